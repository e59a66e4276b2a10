// core distributions: sampling by inversion of uniforms the model already drew. The moment checks
// integrate each sampler over a fine midpoint grid of uniforms (deterministic quadrature, no
// random draws), so their tolerances are quadrature errors, not sampling noise.
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

#include "core/distributions.hpp"
#include "tests/cpp/catch.hpp"

using namespace culturesim::core;

namespace {

/// Midpoint of cell i of n equal cells of [0, 1).
double midpoint(std::size_t i, std::size_t n) { return (static_cast<double>(i) + 0.5) / static_cast<double>(n); }

constexpr double kLargestUniform = 1.0 - 0x1.0p-53;

/// Poisson by plain sequential inversion, as written in the model's first version: the reference
/// any faster path of poisson_from_uniform must reproduce bit for bit.
int reference_poisson(double mean, double u, int max_count = 64) {
  if (mean <= 0.0) return 0;
  double p = std::exp(-mean);
  double cumulative = p;
  int k = 0;
  while (u >= cumulative && k < max_count) {
    ++k;
    p *= mean / k;
    cumulative += p;
    if (p < 1e-300) break;
  }
  return k;
}

}  // namespace

TEST_CASE("poisson_from_uniform returns 0 for a zero or negative mean", "[core][distributions]") {
  CHECK(poisson_from_uniform(0.0, 0.999) == 0);
  CHECK(poisson_from_uniform(-1.0, 0.999) == 0);
}

TEST_CASE("poisson_from_uniform inverts the Poisson distribution function", "[core][distributions]") {
  for (double mean : {0.01, 0.3, 1.0, 4.5}) {
    INFO("mean " << mean);
    // F(k) = P(X <= k); u below F(0) gives 0, u in [F(k-1), F(k)) gives k.
    double p = std::exp(-mean);
    double cdf = p;
    CHECK(poisson_from_uniform(mean, 0.0) == 0);
    CHECK(poisson_from_uniform(mean, cdf * (1 - 1e-12)) == 0);
    for (int k = 1; k <= 6; ++k) {
      const double below = cdf;
      if (1.0 - below < 1e-9) break;  // the far tail is beyond what a relative nudge of u can resolve
      p *= mean / k;
      cdf += p;
      CHECK(poisson_from_uniform(mean, below * (1 + 1e-12)) == k);
      CHECK(poisson_from_uniform(mean, cdf * (1 - 1e-12)) == k);
    }
  }
}

TEST_CASE("poisson_from_uniform has the Poisson mean and variance over a grid of uniforms", "[core][distributions]") {
  constexpr std::size_t n = 200000;
  for (double mean : {0.02, 0.5, 3.0}) {
    double sum = 0.0, sum2 = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      const double k = poisson_from_uniform(mean, midpoint(i, n));
      sum += k;
      sum2 += k * k;
    }
    const double m = sum / n;
    INFO("mean " << mean);
    CHECK(m == Approx(mean).epsilon(1e-3));
    CHECK(sum2 / n - m * m == Approx(mean).epsilon(2e-3));
  }
}

TEST_CASE("poisson_from_uniform equals plain inversion for every uniform, including at its boundaries",
          "[core][distributions]") {
  for (double mean : {1e-9, 1e-6, 1e-3, 0.02, 0.1, 0.5, 0.999, 1.0, 1.5, 3.0, 12.0}) {
    INFO("mean " << mean);
    std::vector<double> us;
    constexpr std::size_t n = 20000;
    for (std::size_t i = 0; i < n; ++i) us.push_back(midpoint(i, n));
    // Uniforms within a few thousand ulps of where the count steps from 0 to 1 (exp(-mean)) and of
    // 1 - mean, where a shortcut that avoids exp would have to stop.
    for (double centre : {std::exp(-mean), 1.0 - mean}) {
      if (centre <= 0.0) continue;
      double below = centre, above = centre;
      for (int j = 0; j < 3000; ++j) {
        below = std::nextafter(below, 0.0);
        above = std::nextafter(above, 1.0);
        us.push_back(below);
        if (above < 1.0) us.push_back(above);
      }
      us.push_back(centre);
    }
    for (double u : {0.0, kLargestUniform}) us.push_back(u);
    std::size_t mismatches = 0;
    for (double u : us) {
      if (poisson_from_uniform(mean, u) != reference_poisson(mean, u)) {
        if (++mismatches <= 3) {
          FAIL_CHECK("u = " << u << ": " << poisson_from_uniform(mean, u) << " != " << reference_poisson(mean, u));
        }
      }
    }
    CHECK(mismatches == 0);
  }
}

TEST_CASE("poisson_from_uniform never exceeds max_count", "[core][distributions]") {
  CHECK(poisson_from_uniform(1000.0, kLargestUniform, 64) <= 64);
  CHECK(poisson_from_uniform(5.0, kLargestUniform, 3) <= 3);
  CHECK(poisson_from_uniform(5.0, 0.999999, 3) == 3);
}

TEST_CASE("categorical_from_uniform picks each index with its weight's share", "[core][distributions]") {
  const std::array<double, 5> weights{0.5, 0.4, 0.07, 0.025, 0.005};
  CHECK(categorical_from_uniform(weights, 0.0) == 0);
  CHECK(categorical_from_uniform(weights, 0.49) == 0);
  CHECK(categorical_from_uniform(weights, 0.51) == 1);
  CHECK(categorical_from_uniform(weights, 0.95) == 2);
  CHECK(categorical_from_uniform(weights, 0.98) == 3);
  CHECK(categorical_from_uniform(weights, 0.999) == 4);
  CHECK(categorical_from_uniform(weights, kLargestUniform) == 4);

  constexpr std::size_t n = 100000;
  std::array<double, 5> counts{};
  for (std::size_t i = 0; i < n; ++i) counts[categorical_from_uniform(weights, midpoint(i, n))] += 1.0;
  for (std::size_t k = 0; k < weights.size(); ++k) CHECK(counts[k] / n == Approx(weights[k]).margin(2.0 / n));
}

TEST_CASE("categorical_from_uniform normalises the weights and never picks a zero weight", "[core][distributions]") {
  const std::array<double, 4> weights{2.0, 0.0, 6.0, 0.0};  // shares 0.25, 0, 0.75, 0
  constexpr std::size_t n = 10000;
  std::array<std::size_t, 4> counts{};
  for (std::size_t i = 0; i < n; ++i) ++counts[categorical_from_uniform(weights, midpoint(i, n))];
  CHECK(counts[0] == n / 4);
  CHECK(counts[1] == 0);
  CHECK(counts[2] == 3 * n / 4);
  CHECK(counts[3] == 0);
}

TEST_CASE("exponential_from_uniform inverts the exponential distribution", "[core][distributions]") {
  CHECK(exponential_from_uniform(3.0, 0.0) == 0.0);
  CHECK(exponential_from_uniform(3.0, 0.5) == Approx(3.0 * std::numbers::ln2));
  CHECK(exponential_from_uniform(3.0, 1.0 - std::exp(-2.0)) == Approx(6.0));
  CHECK(std::isfinite(exponential_from_uniform(3.0, kLargestUniform)));
  constexpr std::size_t n = 200000;
  double sum = 0.0;
  for (std::size_t i = 0; i < n; ++i) sum += exponential_from_uniform(3.0, midpoint(i, n));
  CHECK(sum / n == Approx(3.0).epsilon(1e-3));
}

TEST_CASE("normal_from_uniforms has mean 0 and variance 1", "[core][distributions]") {
  constexpr std::size_t n = 1000;
  double sum = 0.0, sum2 = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      const double z = normal_from_uniforms(midpoint(i, n), midpoint(j, n));
      sum += z;
      sum2 += z * z;
    }
  }
  const double count = static_cast<double>(n * n);
  CHECK(std::abs(sum / count) < 1e-3);
  CHECK(sum2 / count == Approx(1.0).epsilon(2e-3));
  CHECK(normal_from_uniforms(0.0, 0.3) == 0.0);
  CHECK(std::isfinite(normal_from_uniforms(kLargestUniform, 0.0)));
}

TEST_CASE("lognormal_mean_sd has the requested arithmetic mean and standard deviation", "[core][distributions]") {
  CHECK(lognormal_mean_sd(1.0, 0.0, 0.3, 0.7) == 1.0);
  constexpr std::size_t n = 1000;
  for (double sd : {0.2, 0.5}) {
    double sum = 0.0, sum2 = 0.0, lo = 1e300;
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t j = 0; j < n; ++j) {
        const double x = lognormal_mean_sd(2.0, sd, midpoint(i, n), midpoint(j, n));
        sum += x;
        sum2 += x * x;
        lo = std::min(lo, x);
      }
    }
    const double count = static_cast<double>(n * n);
    const double mean = sum / count;
    INFO("sd " << sd);
    CHECK(lo > 0.0);
    CHECK(mean == Approx(2.0).epsilon(2e-3));
    CHECK(std::sqrt(sum2 / count - mean * mean) == Approx(sd).epsilon(1e-2));
  }
}
