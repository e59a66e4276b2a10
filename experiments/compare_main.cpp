// culturesim_compare: the default hospital under blame and under Just Culture, side by side.
// Usage: culturesim_compare [years=10] [replicates=4] [seed=0] [threads=0]
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

#include "agents/outputs.hpp"
#include "core/clock.hpp"
#include "experiments/ensemble.hpp"

using namespace culturesim;

namespace {

long parse_arg(int argc, char** argv, int i, long fallback, long lo, long hi, const char* name) {
  if (argc <= i) return fallback;
  char* end = nullptr;
  const long v = std::strtol(argv[i], &end, 10);
  if (*end != '\0' || v < lo || v > hi) {
    std::fprintf(stderr, "culturesim_compare: %s must be a whole number from %ld to %ld (got '%s')\n", name, lo, hi,
                 argv[i]);
    std::exit(2);
  }
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  const long years = parse_arg(argc, argv, 1, 10, 1, 10000, "years");
  const long replicates = parse_arg(argc, argv, 2, 4, 1, 100000, "replicates");
  const long seed = parse_arg(argc, argv, 3, 0, 0, 2147483647, "seed");
  const long threads = parse_arg(argc, argv, 4, 0, 0, 1024, "threads");
  try {
    std::vector<Scenario> scenarios(2);
    scenarios[0].name = "blame";
    scenarios[0].policy = Policy::blame();
    scenarios[1].name = "just_culture";
    scenarios[1].policy = Policy::just_culture();

    EnsembleOptions options;
    options.days = years * core::kDaysPerYear;
    options.record_every = core::kDaysPerYear;
    options.seed = static_cast<std::uint64_t>(seed);
    options.threads = static_cast<int>(threads);

    // Per scenario and output: the mean over replicates of the yearly average (flows) or the
    // final value (levels).
    std::vector<std::vector<double>> totals(2, std::vector<double>(kOutputs, 0.0));
    run_ensemble(scenarios, all_runs(2, static_cast<std::size_t>(replicates)), options,
                 [&](const RunId& id, const RunResult& r) {
                   for (std::size_t o = 0; o < kOutputs; ++o) {
                     const auto row = r.series.row(o);
                     double v = 0.0;
                     if (output_specs()[o].kind == "flow") {
                       for (double x : row) v += x;
                       v /= static_cast<double>(years);
                     } else {
                       v = row.back();
                     }
                     totals[id.scenario][o] += v / static_cast<double>(replicates);
                   }
                 });
    std::printf("Default hospital (%d clinicians), %ld years x %ld replicates, seed %ld\n",
                Hospital::default_hospital().establishment(), years, replicates, seed);
    std::printf("flows: mean per year; levels: at the end of the last year\n\n");
    std::printf("%-22s %14s %14s %10s\n", "output", "blame", "just_culture", "just/blame");
    for (std::size_t o = 0; o < kOutputs; ++o) {
      const double b = totals[0][o], j = totals[1][o];
      std::printf("%-22s %14.4g %14.4g %10s\n", output_specs()[o].name.c_str(), b, j,
                  b != 0.0 ? std::to_string(j / b).substr(0, 6).c_str() : "-");
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "culturesim_compare: %s\n", e.what());
    return 2;
  }
  return 0;
}
