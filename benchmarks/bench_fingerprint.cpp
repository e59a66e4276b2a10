// culturesim_bench_fingerprint: a hash of every recorded number of a few fixed runs, to check that
// a performance change leaves the model's results bit-identical (docs/performance.md).
//
// Usage: culturesim_bench_fingerprint            prints one line per case and a combined hash
//
// Each case runs with 1 and with 2 threads; the two must agree bit for bit (exit status 1 if not).
// A first line checks the exact identities the engine's shortcuts rely on (pow(x, 1) == x, and
// the exp-free Poisson and hazard decisions against their plain formulas near the boundaries).
// Compare the output before and after a change: any difference in any series, period or snapshot
// value changes the hash of its case. The cases cover the default hospital under three policies,
// a schedule of interventions (policy switch, cleared hazards, non-unit reporting exponents,
// alpha = 0) with snapshots, a unit larger than one parallel chunk (4096 slots), and a stress
// parameter set where many clinicians make several errors a day.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <span>
#include <string>
#include <vector>

#include "core/distributions.hpp"
#include "core/parallel.hpp"
#include "experiments/scenario.hpp"

using namespace culturesim;

namespace {

/// FNV-1a over the bytes of each double (the exact bit pattern).
struct Hash {
  std::uint64_t h = 1469598103934665603ULL;
  void bytes(const void* p, std::size_t n) {
    const auto* b = static_cast<const unsigned char*>(p);
    for (std::size_t i = 0; i < n; ++i) {
      h ^= b[i];
      h *= 1099511628211ULL;
    }
  }
  template <class T>
  void values(const std::vector<T>& v) {
    const std::uint64_t n = v.size();
    bytes(&n, sizeof n);
    if (!v.empty()) bytes(v.data(), v.size() * sizeof(T));
  }
  void values(std::span<const double> v) {
    const std::uint64_t n = v.size();
    bytes(&n, sizeof n);
    if (!v.empty()) bytes(v.data(), v.size() * sizeof(double));
  }
};

std::uint64_t fingerprint(const RunResult& r) {
  Hash h;
  h.values(r.series.values());
  h.values(r.period_start_day);
  h.values(r.period_days);
  for (const auto& s : r.snapshots) {
    h.bytes(&s.day, sizeof s.day);
    s.for_each_field([&](const char*, const auto& values) { h.values(values); });
  }
  return h.h;
}

struct Case {
  std::string name;
  Scenario scenario;
  RunOptions options;
};

std::vector<Case> cases() {
  std::vector<Case> out;
  const std::int64_t year = core::kDaysPerYear;
  {
    Case c{"typical_5y", Scenario{}, RunOptions{}};
    c.options.days = 5 * year;
    c.options.seed = 1;
    out.push_back(c);
  }
  {
    Case c{"blame_5y", Scenario{}, RunOptions{}};
    c.scenario.name = "blame";
    c.scenario.policy = Policy::blame();
    c.options.days = 5 * year;
    c.options.seed = 2;
    c.options.replicate = 3;
    out.push_back(c);
  }
  {
    Case c{"just_5y", Scenario{}, RunOptions{}};
    c.scenario.name = "just_culture";
    c.scenario.policy = Policy::just_culture();
    c.options.days = 5 * year;
    c.options.seed = 3;
    c.options.replicate = 1;
    out.push_back(c);
  }
  {
    Case c{"interventions_5y_snapshots", Scenario{}, RunOptions{}};
    c.scenario.name = "interventions";
    c.scenario.policy = Policy::blame();
    c.scenario.interventions = {
        Intervention::ramp(year, 1.0, 0.0, year, 30),
        Intervention::fix_friction(2 * year + 17, {"ICU", "pharmacy"}),
        Intervention::set_params(3 * year + 5, {{"report_safety_power", "", 2.0}, {"report_value_power", "", 0.5}}),
        Intervention::set_params(4 * year, {{"alpha_base", "", 0.0}, {"alpha_support", "", 0.0}}),
    };
    c.options.days = 5 * year;
    c.options.record_every = 7;
    c.options.snapshot_every = 365;
    c.options.seed = 4;
    out.push_back(c);
  }
  {
    Case c{"large_unit_1y", Scenario{}, RunOptions{}};
    c.scenario.name = "large_unit";
    c.scenario.hospital.name = "large";
    c.scenario.hospital.units = {Unit{"giant", {6000, 1500, 1500, 1000}}, Unit{"small", {10, 0, 0, 2}}};
    c.options.days = year;
    c.options.seed = 5;
    out.push_back(c);
  }
  {
    Case c{"stress_2y", Scenario{}, RunOptions{}};
    c.scenario.name = "stress";
    c.scenario.params.base_error_rate = {0.4, 0.6, 0.3, 0.2};
    c.scenario.params.reckless_fraction = 0.2;
    c.scenario.params.reckless_act_rate = 0.5;
    c.scenario.params.learning_days = 36500.0;  // novice table longer than its cap
    c.scenario.params.quit_rate = {5.0, 2.0, 1.0, 0.5};
    c.scenario.params.report_safety_power = 0.7;
    c.scenario.params.hire_delay_days = 0.0;
    c.options.days = 2 * year;
    c.options.record_every = 1;
    c.options.seed = 6;
    out.push_back(c);
  }
  return out;
}

/// The engine's shortcuts rely on exact identities of the maths library and on bounds; check them
/// where they matter (values of psychological safety, report value and daily hazards).
bool check_shortcuts() {
  std::uint64_t state = 0x9E3779B97F4A7C15ULL;
  auto next_uniform = [&] {  // splitmix64 -> [0, 1)
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return static_cast<double>((z ^ (z >> 31)) >> 11) * 0x1.0p-53;
  };
  long bad_pow = 0, bad_poisson = 0, bad_hazard = 0;
  auto same_bits = [](double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; };
  // pow(x, 1) == x, bit for bit (daily_step.cpp: pow_or_same).
  auto check_pow = [&](double x) { bad_pow += !same_bits(std::pow(x, 1.0), x); };
  for (int e = -1074; e <= 0; ++e) {
    const double x = std::ldexp(1.0, e);
    check_pow(x);
    check_pow(std::nextafter(x, 0.0));
    check_pow(std::nextafter(x, 2.0));
  }
  check_pow(0.0);
  check_pow(-0.0);
  for (int i = 0; i < 4'000'000; ++i) check_pow(next_uniform());
  // poisson_from_uniform and event_from_hazard against their plain formulas, with u drawn near the
  // decision boundaries and near the shortcuts' own thresholds (1 - mean, and the hazard itself).
  for (int i = 0; i < 4'000'000; ++i) {
    const double mean = std::ldexp(next_uniform(), -static_cast<int>(next_uniform() * 30));
    const double boundaries[4] = {std::exp(-mean), -std::expm1(-mean), 1.0 - mean, mean};
    const double boundary = boundaries[i % 4];
    const double u = std::min(std::nextafter(1.0, 0.0), boundary * (1.0 + (next_uniform() - 0.5) * 1e-9));
    double p = std::exp(-mean), cumulative = p;
    int k = 0;
    while (u >= cumulative && k < 64) {
      ++k;
      p *= mean / k;
      cumulative += p;
      if (p < 1e-300) break;
    }
    bad_poisson += core::poisson_from_uniform(mean, u) != k;
    bad_hazard += core::event_from_hazard(mean, u) != (u < -std::expm1(-mean));
  }
  std::printf("%-28s pow(x,1)==x: %ld bad; poisson shortcut: %ld bad; hazard shortcut: %ld bad\n", "shortcut checks",
              bad_pow, bad_poisson, bad_hazard);
  return bad_pow == 0 && bad_poisson == 0 && bad_hazard == 0;
}

}  // namespace

int main() {
  try {
    Hash all;
    bool same = check_shortcuts();
    for (const auto& c : cases()) {
      std::uint64_t h[2] = {0, 0};
      double seconds = 0.0;
      for (int t = 1; t <= 2; ++t) {
        const auto start = std::chrono::steady_clock::now();
        const RunResult r = core::with_threads(t, [&] { return run_scenario(c.scenario, c.options); });
        seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        h[t - 1] = fingerprint(r);
      }
      const bool ok = h[0] == h[1];
      same = same && ok;
      all.bytes(&h[0], sizeof h[0]);
      std::printf("%-28s %016llx%s\n", c.name.c_str(), static_cast<unsigned long long>(h[0]),
                  ok ? "" : "  MISMATCH between 1 and 2 threads");
      std::fprintf(stderr, "  (%s: %.2f s for both thread counts)\n", c.name.c_str(), seconds);
    }
    std::printf("%-28s %016llx\n", "combined", static_cast<unsigned long long>(all.h));
    return same ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "culturesim_bench_fingerprint: %s\n", e.what());
    return 2;
  }
}
