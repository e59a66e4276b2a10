// A hospital at one moment: everything a run needs to carry on from there (MODEL.md 8.1). The
// warm-up ends in one, a run can end in one, and a run can start from one: a run started from the
// state another run ended in is bit-identical to that run carrying on, because every random number
// is keyed by (seed, replicate, stream, clinician, day) and the state keeps its absolute day.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "agents/clinician_state.hpp"
#include "agents/daily_step.hpp"
#include "core/series.hpp"

namespace culturesim {

/// Whether the warm-up settled: how the slow states' yearly means moved at the end of the warm-up.
struct WarmupReport {
  static constexpr double kTolerance = 0.03;  ///< largest settled change of a yearly mean, per year (see drift)
  std::vector<std::string> names;             ///< burnout_mean, moral_residue_mean, psych_safety_mean, ...
  std::vector<double> previous_year;          ///< mean over the window of years before the last window
  std::vector<double> last_year;              ///< mean over the warm-up's last window of years (3, fewer if short)
  /// Per state and year: |last - previous| / max(1, |last|) / window: absolute for states in
  /// [0, 1], relative above 1. Hazards are reported but not judged (integer counts, fast to settle).
  std::vector<double> drift;
  bool settled = true;    ///< every drift at most kTolerance (true when there was no warm-up)
  std::int64_t days = 0;  ///< warm-up length
  /// With RunOptions::record_warmup: every output per warm-up year (flows summed over the year,
  /// levels at its end), the last year partial when the warm-up is not whole years; days negative.
  core::SeriesTable series;
  std::vector<double> period_start_day;
  std::vector<double> period_days;
};

struct HospitalState {
  /// The next day to step, on the clock of the run that made the state (the warm-up's day 0 is 0):
  /// random numbers and the clinicians' day fields (episode starts, refill days) count on it.
  std::int64_t day = 0;
  std::uint64_t seed = 0;       ///< the random key the state was made with; a run from it must use it too
  std::uint64_t replicate = 0;  ///<
  std::uint32_t stream = 0;     ///< (the key is (seed, replicate + (stream << 32)))
  ClinicianState clinicians;
  std::vector<UnitState> units;  ///< begin/end/index/workload come from the hospital; the rest is state
  WarmupReport warmup;           ///< how the warm-up before it settled (names/means are not saved to files)
};

/// One named flat array of a saved state, for the results file (each value a float64; every field's
/// type, int32 days and uint16 counters included, is exact in a float64).
struct StateArray {
  std::string name;
  std::size_t length = 0;
  std::string description;
};

/// The arrays a state of a hospital with `clinicians` slots and `units` units is saved as, in order:
/// `day`, the warm-up summary, one per clinician field (clinician_fields.def order), one per unit field.
std::vector<StateArray> state_arrays(std::size_t clinicians, std::size_t units);

/// The state as the concatenation of its state_arrays(), in order.
std::vector<double> flatten_state(const HospitalState& state);

/// The state back from flatten_state()'s values; seed, replicate and stream are given by the caller
/// (the file's seed, the replicate's index and the scenario's stream). Throws InvalidValue naming the array when a
/// value is not one the field can hold (a damaged or foreign file).
HospitalState unflatten_state(std::span<const double> values, std::size_t clinicians, std::size_t units,
                              std::uint64_t seed, std::uint64_t replicate, std::uint32_t stream = 0);

}  // namespace culturesim
