// Fuzz target: the results-file opener. The bytes become a file, which ResultsFile::read() must
// either refuse with a ResultsFileError / InvalidValue or read completely (every attribute, text
// and finished run): never a crash, an undefined behaviour, a leak or a hang.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>

#include "core/errors.hpp"
#include "core/results_file.hpp"

namespace {

const std::string& scratch_path() {
  static const std::string path = "/tmp/culturesim_fuzz_" + std::to_string(::getpid()) + ".h5";
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  {
    std::ofstream out(scratch_path(), std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  try {
    const auto file = culturesim::core::ResultsFile::read(scratch_path());
    const auto& layout = file.layout();
    (void)file.root_attributes();
    for (std::size_t s = 0; s < layout.scenarios.size(); ++s) {
      (void)file.scenario_attributes(s);
      (void)file.scenario_text(s);
      for (std::size_t r = 0; r < layout.replicates; ++r) {
        if (file.done(s, r)) (void)file.read_run(s, r);
      }
    }
  } catch (const culturesim::ResultsFileError&) {
  } catch (const culturesim::InvalidValue&) {
  }
  return 0;
}
