// Fuzz target: the scenario-file reader (experiments/schema.cpp). Any bytes must either be refused
// with a typed error naming the source (InvalidValue / UnknownName) or read into an experiment that
// validates and writes back to text that reads again: never a crash, an undefined behaviour, a
// leak, unbounded recursion or a hang.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/errors.hpp"
#include "experiments/schema.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const culturesim::LoadedExperiment loaded = culturesim::parse_experiment(text, "fuzz.toml", "fuzzed");
    (void)loaded.experiment();
    // What was read writes back to a file that reads again (the stored form of results files).
    const std::string again = culturesim::dump_experiment(loaded.settings, loaded.scenarios);
    (void)culturesim::parse_experiment(again, "again.toml", "fuzzed");
  } catch (const culturesim::InvalidValue&) {
  } catch (const culturesim::UnknownName&) {
  }
  return 0;
}
