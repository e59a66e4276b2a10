// culturesim_bench_engine: how fast the engine steps the full model, with 1 and 2 threads side by
// side, and how much memory its state and outputs take (docs/performance.md).
//
// Usage: culturesim_bench_engine [--reps N] [--long-years Y] [--ensemble-years Y] [--replicates R]
//                                [--quick]
//   --reps N            repeated measurements per shape and thread count (default 7); the thread
//                       counts are interleaved (1,2 then 2,1, ...) and medians are reported
//   --long-years Y      length of the single long run, shape (a) (default 100)
//   --ensemble-years Y  length of each ensemble run, shape (b) (default 10)
//   --replicates R      replicates per scenario of the ensemble (default 8; 2 scenarios)
//   --quick             --reps 3 --long-years 20 --ensemble-years 5 --replicates 4
//   --single-run Y      only one run of the default hospital over Y years on 1 thread, nothing
//                       printed (for profilers: perf record, valgrind --tool=callgrind)
//   --shared-warmup N   only the demo's shape (4 scenarios with one hospital and parameters x 4
//                       replicates x 5 years after a 20-year warm-up), N times with the warm-up
//                       shared and N times without, alternating; prints each pair's time ratio
//   --max-wait S        before each measurement, wait up to S seconds (default 20) for the machine
//                       to be idle (under 10% of all CPUs busy over 0.5 s, from /proc/stat); 0 = never
//                       wait. Measurements that start on a busy machine are counted and reported.
//
// An agent-day is one clinician slot (a post on staff or a vacancy) stepped by one day: a run of
// the default hospital (1,000 slots) over 10 years is 3.65 million agent-days.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <exception>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "core/parallel.hpp"
#include "experiments/ensemble.hpp"

using namespace culturesim;

namespace {

struct Config {
  int reps = 7;
  int long_years = 100;
  int ensemble_years = 10;
  int replicates = 8;
};

int g_max_wait = 20;    // seconds to wait for an idle machine before a measurement
int g_busy_starts = 0;  // measurements started on a busy machine anyway
int g_measurements = 0;

/// Share of all CPUs' time spent busy over `seconds`, from /proc/stat (-1 if unreadable).
double busy_fraction(double seconds) {
  auto read = [](unsigned long long& total, unsigned long long& idle) {
    std::ifstream in("/proc/stat");
    std::string cpu;
    unsigned long long v[8] = {};
    in >> cpu;
    for (auto& x : v) in >> x;
    if (!in || cpu != "cpu") return false;
    total = 0;
    for (auto x : v) total += x;
    idle = v[3] + v[4];
    return true;
  };
  unsigned long long t0, i0, t1, i1;
  if (!read(t0, i0)) return -1.0;
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  if (!read(t1, i1) || t1 == t0) return -1.0;
  return 1.0 - static_cast<double>(i1 - i0) / static_cast<double>(t1 - t0);
}

/// Waits (up to g_max_wait seconds) until the machine is idle, so other work does not share the cores.
void wait_for_quiet() {
  ++g_measurements;
  if (g_max_wait <= 0) return;
  const auto start = std::chrono::steady_clock::now();
  while (true) {
    const double busy = busy_fraction(0.5);
    if (busy < 0.10) return;
    if (std::chrono::steady_clock::now() - start > std::chrono::seconds(g_max_wait)) {
      ++g_busy_starts;
      return;
    }
  }
}

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      return colon == std::string::npos ? line : line.substr(colon + 2);
    }
  }
  return "unknown";
}

/// One timed measurement: wall and process CPU seconds.
struct Sample {
  double wall = 0.0;
  double cpu = 0.0;
};

Sample time_it(const std::function<void()>& f) {
  const double c0 = cpu_seconds();
  const auto t0 = std::chrono::steady_clock::now();
  f();
  const auto t1 = std::chrono::steady_clock::now();
  return {std::chrono::duration<double>(t1 - t0).count(), cpu_seconds() - c0};
}

/// Runs `work(threads)` `reps` times for 1 and 2 threads, interleaved, and prints medians.
/// Returns the median agent-days/s with 2 threads.
double measure(const char* shape, double agent_days, int reps, const std::function<void(int)>& work) {
  std::vector<double> wall[2], cpu[2];
  work(2);  // warm-up: page in the state, start TBB's workers
  for (int r = 0; r < reps; ++r) {
    const int order[2] = {r % 2 ? 2 : 1, r % 2 ? 1 : 2};  // 1,2 then 2,1: drift hits both alike
    for (int t : order) {
      wait_for_quiet();
      const Sample s = time_it([&] { work(t); });
      wall[t - 1].push_back(s.wall);
      cpu[t - 1].push_back(s.cpu);
    }
  }
  double rate[2], ns_cpu[2];
  std::printf("%s: %.3g agent-days per measurement, %d measurements per thread count\n", shape, agent_days, reps);
  std::printf("  %-8s %12s %16s %14s %14s %14s\n", "threads", "median s", "agent-days/s", "min..max s", "CPU ns/a-day",
              "wall ns/a-day");
  for (int t = 0; t < 2; ++t) {
    const double w = median(wall[t]);
    rate[t] = agent_days / w;
    ns_cpu[t] = 1e9 * median(cpu[t]) / agent_days;
    const auto [lo, hi] = std::minmax_element(wall[t].begin(), wall[t].end());
    std::printf("  %-8d %12.4f %16.4g %6.3f..%-6.3f %14.2f %14.2f\n", t + 1, w, rate[t], *lo, *hi, ns_cpu[t],
                1e9 * w / agent_days);
  }
  std::printf("  2-thread / 1-thread speedup: %.3f (median wall %.4f s / %.4f s)\n\n", rate[1] / rate[0],
              median(wall[0]), median(wall[1]));
  return rate[1];
}

Scenario default_scenario(const char* name, const Policy& policy) {
  Scenario s;
  s.name = name;
  s.policy = policy;
  return s;
}

/// Bytes actually held by the state vectors (capacity, not size).
template <class T>
std::size_t held(const std::vector<T>& v) {
  return v.capacity() * sizeof(T);
}

/// Bytes held by every field of a clinician table (agents/clinician_fields.def).
template <class Fields>
std::size_t fields_bytes(const Fields& s) {
  std::size_t b = 0;
  s.for_each_field([&](const char*, const auto& values) { b += held(values); });
  return b;
}

std::size_t state_bytes(const ClinicianState& s) { return fields_bytes(s); }

std::size_t result_bytes(const RunResult& r) {
  std::size_t b = r.series.values().size() * sizeof(double) + held(r.period_start_day) + held(r.period_days);
  for (const auto& s : r.snapshots) b += fields_bytes(s);
  return b;
}

Hospital scaled_hospital(int factor) {
  Hospital h = Hospital::default_hospital();
  h.name = "default_x" + std::to_string(factor);
  for (auto& u : h.units) {
    for (auto& n : u.headcount) n *= factor;
  }
  return h;
}

void memory_report() {
  std::printf("State memory\n");
  std::printf("  ClinicianState::bytes_per_clinician() = %zu bytes (budget 256)\n",
              ClinicianState::bytes_per_clinician());
  for (int factor : {1, 10}) {
    RunOptions o;
    o.days = 30;
    Simulation sim(scaled_hospital(factor), Params{}, Policy::typical(), o);
    sim.run();
    const std::size_t slots = sim.state().size();
    const std::size_t bytes = state_bytes(sim.state());
    std::printf("  %6zu slots: vectors hold %zu bytes = %.1f bytes per slot (capacity / slots)\n", slots, bytes,
                static_cast<double>(bytes) / static_cast<double>(slots));
    if (bytes != slots * ClinicianState::bytes_per_clinician()) {
      std::printf("  (differs from bytes_per_clinician(): spare capacity, or a field this benchmark does not list)\n");
    }
  }
  std::printf("\nOutput memory (RunResult: series + period vectors; no snapshots), same periods\n");
  std::printf("  %-12s %8s %8s %14s %14s\n", "clinicians", "days", "periods", "RunResult B", "per period B");
  for (int years : {1, 10}) {
    for (int factor : {1, 10}) {
      RunOptions o;
      o.days = years * core::kDaysPerYear;
      const Hospital h = scaled_hospital(factor);
      const RunResult r = simulate(h, Params{}, Policy::typical(), o);
      const std::size_t b = result_bytes(r);
      std::printf("  %-12d %8lld %8zu %14zu %14.1f\n", h.establishment(), static_cast<long long>(o.days),
                  r.series.periods(), b, static_cast<double>(b) / static_cast<double>(r.series.periods()));
    }
  }
  std::printf("\n");
}

/// Single-thread cost of each unit alone, and what it means for a run parallel over units.
void unit_balance_report(int years, int reps) {
  const Hospital h = Hospital::default_hospital();
  std::printf("Within-run parallelism: each unit of the default hospital run alone, 1 thread, %d years\n", years);
  std::printf("  %-10s %8s %12s %10s\n", "unit", "slots", "median s", "share");
  std::vector<double> cost;
  double total = 0.0;
  for (const auto& unit : h.units) {
    Hospital one;
    one.name = unit.name;
    one.units = {unit};
    RunOptions o;
    o.days = years * core::kDaysPerYear;
    std::vector<double> w;
    for (int r = 0; r < reps; ++r) {
      wait_for_quiet();
      w.push_back(time_it([&] { core::with_threads(1, [&] { simulate(one, Params{}, Policy::typical(), o); }); }).wall);
    }
    cost.push_back(median(w));
    total += cost.back();
  }
  for (std::size_t u = 0; u < h.units.size(); ++u) {
    std::printf("  %-10s %8d %12.4f %9.1f%%\n", h.units[u].name.c_str(), h.units[u].establishment(), cost[u],
                100.0 * cost[u] / total);
  }
  // The best split of the units over 2 threads (every subset): the ceiling of the 2-thread speedup.
  const std::size_t n = cost.size();
  double best = total;
  for (std::size_t mask = 0; mask < (std::size_t{1} << n); ++mask) {
    double a = 0.0;
    for (std::size_t u = 0; u < n; ++u) {
      if (mask & (std::size_t{1} << u)) a += cost[u];
    }
    best = std::min(best, std::max(a, total - a));
  }
  std::printf("  best split over 2 threads: %.1f%% of the work on the busier thread -> speedup ceiling %.3f\n",
              100.0 * best / total, total / best);
  // core::parallel_each halves the range of units (simple_partitioner): with 2 threads the caller
  // keeps the first half [0, n/2) and the other thread takes [n/2, n).
  double first_half = 0.0;
  for (std::size_t u = 0; u < n / 2; ++u) first_half += cost[u];
  const double busier = std::max(first_half, total - first_half);
  std::printf("  split of parallel_each (units 0..%zu | %zu..%zu): %.1f%% on the busier thread -> ceiling %.3f\n\n",
              n / 2 - 1, n / 2, n - 1, 100.0 * busier / total, total / busier);
}

int parse_int(const char* v, const char* name) {
  char* end = nullptr;
  const long x = std::strtol(v, &end, 10);
  if (*end != '\0' || x < 1 || x > 100000) {
    std::fprintf(stderr, "culturesim_bench_engine: %s must be a whole number from 1 to 100000 (got '%s')\n", name, v);
    std::exit(2);
  }
  return static_cast<int>(x);
}

}  // namespace

/// Wall time of the demo's ensemble with the warm-up shared between scenarios and without,
/// alternating (shared, own, own, shared, ...) so drifts of machine load fall on both alike.
int shared_warmup_report(int pairs) {
  std::vector<Scenario> scenarios = {
      default_scenario("typical", Policy::typical()), default_scenario("just_culture", Policy::just_culture()),
      default_scenario("blame", Policy::blame()), default_scenario("lenient", Policy::just_culture())};
  const auto runs = all_runs(scenarios.size(), 4);
  EnsembleOptions o;
  o.days = 5 * core::kDaysPerYear;
  o.warmup_days = 20 * core::kDaysPerYear;
  o.seed = 1;
  std::vector<double> ratios;
  for (int p = 0; p < pairs; ++p) {
    double seconds[2] = {0, 0};
    for (int k = 0; k < 2; ++k) {
      const bool shared = (k == 0) == (p % 2 == 0);
      o.share_warmup = shared;
      const auto start = std::chrono::steady_clock::now();
      run_ensemble(scenarios, runs, o, [](const RunId&, const RunResult&) {});
      seconds[shared ? 0 : 1] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
    ratios.push_back(seconds[1] / seconds[0]);
    std::printf("pair %d: shared %.2f s, own warm-ups %.2f s, ratio own/shared %.2f\n", p + 1, seconds[0], seconds[1],
                ratios.back());
  }
  std::sort(ratios.begin(), ratios.end());
  o.share_warmup = true;
  std::printf("median ratio own/shared: %.2f (simulated days: own %lld, shared %lld)\n", ratios[ratios.size() / 2],
              static_cast<long long>(simulated_days(scenarios, runs,
                                                    [&] {
                                                      auto own = o;
                                                      own.share_warmup = false;
                                                      return own;
                                                    }())),
              static_cast<long long>(simulated_days(scenarios, runs, o)));
  return 0;
}

int main(int argc, char** argv) {
  Config cfg;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--quick") {
      cfg = Config{3, 20, 5, 4};
    } else if (a == "--reps" && has_value) {
      cfg.reps = parse_int(argv[++i], "--reps");
    } else if (a == "--long-years" && has_value) {
      cfg.long_years = parse_int(argv[++i], "--long-years");
    } else if (a == "--ensemble-years" && has_value) {
      cfg.ensemble_years = parse_int(argv[++i], "--ensemble-years");
    } else if (a == "--replicates" && has_value) {
      cfg.replicates = parse_int(argv[++i], "--replicates");
    } else if (a == "--single-run" && has_value) {
      RunOptions o;
      o.days = static_cast<std::int64_t>(parse_int(argv[++i], "--single-run")) * core::kDaysPerYear;
      o.seed = 1;
      core::with_threads(1, [&] { run_scenario(default_scenario("typical", Policy::typical()), o); });
      return 0;
    } else if (a == "--shared-warmup" && has_value) {
      return shared_warmup_report(parse_int(argv[++i], "--shared-warmup"));
    } else if (a == "--max-wait" && has_value) {
      g_max_wait = std::string(argv[i + 1]) == "0" ? (++i, 0) : parse_int(argv[++i], "--max-wait");
    } else {
      std::fprintf(stderr,
                   "usage: culturesim_bench_engine [--reps N] [--long-years Y] [--ensemble-years Y] "
                   "[--replicates R] [--quick] [--max-wait S] [--single-run Y] [--shared-warmup N]\n");
      return 2;
    }
  }
  try {
    const Hospital hospital = Hospital::default_hospital();
    const double slots = hospital.establishment();
    std::printf("culturesim_bench_engine\n");
    std::printf("  CPU: %s; hardware threads: %u\n", cpu_model().c_str(), std::thread::hardware_concurrency());
    std::printf("  compiler: g++ %s%s\n", __VERSION__,
#ifdef NDEBUG
                ", NDEBUG"
#else
                ", assertions on"
#endif
    );
    std::printf("  default hospital: %d slots in %zu units\n\n", hospital.establishment(), hospital.units.size());

    // (a) One long run: parallel over units within the run.
    {
      RunOptions o;
      o.days = static_cast<std::int64_t>(cfg.long_years) * core::kDaysPerYear;
      o.seed = 1;
      const Scenario s = default_scenario("typical", Policy::typical());
      char title[160];
      std::snprintf(title, sizeof title, "(a) one run, default hospital, typical policy, %d years, record_every 30",
                    cfg.long_years);
      measure(title, slots * static_cast<double>(o.days), cfg.reps,
              [&](int t) { core::with_threads(t, [&] { run_scenario(s, o); }); });
    }
    // (b) An ensemble: parallel over runs, each run parallel over its units (nested).
    double rate_b = 0.0;
    {
      const std::vector<Scenario> scenarios = {default_scenario("blame", Policy::blame()),
                                               default_scenario("just_culture", Policy::just_culture())};
      const auto runs = all_runs(scenarios.size(), static_cast<std::size_t>(cfg.replicates));
      EnsembleOptions o;
      o.days = static_cast<std::int64_t>(cfg.ensemble_years) * core::kDaysPerYear;
      o.seed = 1;
      char title[160];
      std::snprintf(title, sizeof title, "(b) ensemble, 2 scenarios x %d replicates x %d years, default hospital",
                    cfg.replicates, cfg.ensemble_years);
      rate_b =
          measure(title, slots * static_cast<double>(o.days) * static_cast<double>(runs.size()), cfg.reps, [&](int t) {
            o.threads = t;
            run_ensemble(scenarios, runs, o, [](const RunId&, const RunResult&) {});
          });
    }
    unit_balance_report(std::max(1, cfg.long_years / 5), cfg.reps);
    memory_report();
    std::printf("Goal: >= 1e8 agent-days/s with 2 threads (ensemble: %.3g)\n", rate_b);
    std::printf(
        "Machine: %d of %d measurements started while other work kept the CPUs over 10%% busy "
        "(after waiting up to %d s)\n",
        g_busy_starts, g_measurements, g_max_wait);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "culturesim_bench_engine: %s\n", e.what());
    return 2;
  }
  return 0;
}
