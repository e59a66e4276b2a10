// Sampling from uniforms the model already drew (inversion), so each draw keeps its counter.
#pragma once
#include <cmath>
#include <cstdint>
#include <numbers>
#include <span>

namespace culturesim::core {

/// Poisson(mean) by sequential inversion of one uniform. Exact for the small means of daily
/// hazards; `max_count` bounds the loop so no input can hang it.
inline int poisson_from_uniform(double mean, double u, int max_count = 64) {
  if (mean <= 0.0) return 0;
  double p = std::exp(-mean);
  double cumulative = p;
  int k = 0;
  while (u >= cumulative && k < max_count) {
    ++k;
    p *= mean / k;
    cumulative += p;
    if (p < 1e-300) break;  // the tail no longer moves the sum
  }
  return k;
}

/// Index of the first cumulative probability above u (weights need not be normalised).
inline std::size_t categorical_from_uniform(std::span<const double> weights, double u) {
  double total = 0.0;
  for (double w : weights) total += w;
  double target = u * total;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    if (target < weights[i]) return i;
    target -= weights[i];
  }
  return weights.size() - 1;
}

/// Exponential(mean) by inversion.
inline double exponential_from_uniform(double mean, double u) { return -mean * std::log1p(-u); }

/// A standard normal from two uniforms (Box-Muller).
inline double normal_from_uniforms(double u1, double u2) {
  const double radius = std::sqrt(-2.0 * std::log1p(-u1));
  return radius * std::cos(2.0 * std::numbers::pi * u2);
}

/// A lognormal variate with arithmetic mean `mean` and standard deviation `sd`.
inline double lognormal_mean_sd(double mean, double sd, double u1, double u2) {
  if (sd <= 0.0) return mean;
  const double sigma2 = std::log1p((sd * sd) / (mean * mean));
  const double mu = std::log(mean) - 0.5 * sigma2;
  return std::exp(mu + std::sqrt(sigma2) * normal_from_uniforms(u1, u2));
}

}  // namespace culturesim::core
