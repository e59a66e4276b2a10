// One run of the model: a hospital stepped day by day under parameters and a policy that may
// change on given days, with outputs recorded per period (record_every days, or calendar months,
// quarters or years: core/calendar.hpp).
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agents/clinician_state.hpp"
#include "agents/daily_step.hpp"
#include "agents/hospital.hpp"
#include "agents/hospital_state.hpp"
#include "agents/outputs.hpp"
#include "agents/parameters.hpp"
#include "agents/policy.hpp"
#include "core/cancellation.hpp"
#include "core/clock.hpp"
#include "core/random_stream.hpp"
#include "core/series.hpp"

namespace culturesim {

/// The run limits (Python shows them as _engine.run_limits).
inline constexpr std::int64_t kMaxRunDays = 100'000'000;
inline constexpr int kMaxRecordEvery = 36500;
inline constexpr std::int64_t kMaxWarmupYears = 1000;  ///< the one bound of warm-ups (TOML, Python, RunOptions)
inline constexpr std::int64_t kMaxWarmupDays = kMaxWarmupYears * 365;

/// How long, how recorded, and which random stream.
struct RunOptions {
  std::int64_t days = 10 * core::kDaysPerYear;
  /// Days per recorded period, or a calendar (core::kRecordMonth, kRecordQuarter, kRecordYear).
  int record_every = 30;
  int snapshot_every = 0;  ///< days between agent snapshots; 0 = none
  std::uint64_t seed = 0;
  std::uint64_t replicate = 0;  ///< below 2^32 (RandomStream::kReplicateLimit)
  /// The random-number stream: the key is (seed, replicate + (stream << 32)), so stream 0 is the
  /// key (seed, replicate). Runs with the same seed, replicate and stream share random numbers.
  std::uint32_t stream = 0;
  /// Days lived before day 0 under warmup_policy (MODEL.md 8.1): the run starts from a hospital
  /// whose slow states have settled. Not recorded; day 0 is when the scenario's own policy and
  /// interventions begin. Scenarios with the same parameters and hospital share the warm-up's
  /// random numbers, so they are identical at day 0.
  std::int64_t warmup_days = 0;
  std::optional<Policy> warmup_policy;  ///< unset: Policy::typical()
  /// Also record every output per unit and per role (RunResult::by_unit, by_role). Observation
  /// only: the days simulated are the same; off by default, so runs cost and store as before.
  bool breakdown = false;
  /// Start from this saved state instead of a new hospital (and instead of a warm-up): its hospital
  /// layout, seed, replicate and stream must be this run's. Day 0 of the run is the state's day.
  std::shared_ptr<const HospitalState> start;
  bool keep_final_state = false;  ///< RunResult::final_state holds the state the run ended in
  bool record_warmup = false;     ///< RunResult::warmup.series holds the warm-up year by year

  /// Throws InvalidValue naming the field: days 1 to 100 million, record_every 1 to 36500,
  /// snapshot_every 0 to 36500, warmup_days 0 to 365000, replicate below 2^32, and not both a
  /// warm-up and a start state.
  void validate() const;
};

/// A change to the model on a given day (before that day is stepped). Built by experiments/
/// from interventions; the model only knows "from this day on".
struct ScheduledChange {
  std::int64_t day = 0;
  std::optional<Params> params;
  std::optional<Policy> policy;
  std::vector<std::size_t> clear_hazards_units;  ///< units whose latent hazards are all fixed
  std::string label;
};
using Schedule = std::vector<ScheduledChange>;  ///< applied in order; days must not decrease

struct RunResult {
  core::SeriesTable series;              ///< (output, period), outputs in output_specs() order
  std::vector<double> period_start_day;  ///< first day of each period
  std::vector<double> period_days;       ///< days in each period
  std::vector<Snapshot> snapshots;
  WarmupReport warmup;
  /// With RunOptions::breakdown: row unit * kOutputs + output (units in hospital order), and
  /// row role * kOutputs + output (roles in kRoleNames order). Flows: the group's events and costs;
  /// levels: over the group's clinicians on staff (hazards per unit; NaN per role, where they have
  /// no meaning). Empty otherwise.
  core::SeriesTable by_unit;
  core::SeriesTable by_role;
  std::optional<HospitalState> final_state;  ///< with RunOptions::keep_final_state
};

class Simulation {
 public:
  Simulation(Hospital hospital, Params params, Policy policy, RunOptions options);

  /// Applies a change now (validates what it sets).
  void apply(const ScheduledChange& change);
  /// Steps days until `end_day` (exclusive), recording every completed period.
  void step_until(std::int64_t end_day);
  /// Runs to options.days, applying the schedule on its days; polls `cancel` between periods
  /// and throws Interrupted when it fires.
  /// `days_done`, when given, is advanced as days are simulated (for progress bars).
  RunResult run(const Schedule& schedule = {}, core::CancellationToken* cancel = nullptr,
                std::atomic<std::int64_t>* days_done = nullptr);

  /// Days since day 0 (negative during the warm-up).
  std::int64_t day() const { return day_ - origin_; }
  const Hospital& hospital() const { return hospital_; }
  const Params& params() const { return params_; }
  const Policy& policy() const { return policy_; }
  const RunOptions& options() const { return options_; }
  const ClinicianState& state() const { return state_; }
  const std::vector<UnitState>& units() const { return units_; }
  /// The levels (hazards, distress, burnout, ...) of the hospital now.
  OutputRow levels() const;
  Snapshot snapshot() const;
  /// The result so far (periods not yet completed are zero).
  RunResult result() const;
  /// Lives the warm-up now if it is still ahead (run() and step_until() do it first otherwise).
  void warm_up_now(core::CancellationToken* cancel = nullptr, std::atomic<std::int64_t>* days_done = nullptr);
  /// The whole state now, to save or to start other runs from.
  HospitalState save() const;

 private:
  void resume_from(const HospitalState& start);
  void warm_up(core::CancellationToken* cancel, std::atomic<std::int64_t>* days_done);
  void step_segment(std::int64_t end_day);
  void record_period(std::int64_t period);
  OutputRow take_period_row();  ///< the levels now and the flows since the last period; resets the flows
  /// The levels over the clinicians of slots [begin, end) (of one role when role >= 0).
  OutputRow levels_of(std::size_t begin, std::size_t end, int role, double hazards) const;
  void record_breakdown(std::int64_t period);

  Hospital hospital_;
  Params params_;
  Policy policy_;
  Policy scenario_policy_;  ///< the policy from day 0 on (policy_ is the warm-up's before day 0)
  RunOptions options_;
  core::Clock clock_;
  core::RandomStream rng_;
  DayConstants constants_;
  ClinicianState state_;
  std::vector<UnitState> units_;
  std::vector<OutputRow> unit_rows_;  ///< each unit's flows in the current period
  std::vector<RoleRows> role_rows_;   ///< with breakdown: each unit's flows by role in the current period
  core::SeriesTable by_unit_, by_role_;
  std::int64_t day_ = 0;     ///< the next day to step, on the random numbers' clock
  std::int64_t origin_ = 0;  ///< that clock's day at this run's day 0 (the start state's day)
  core::SeriesTable series_;
  std::vector<Snapshot> snapshots_;
  WarmupReport warmup_;
};

/// Convenience: one run from start to end.
RunResult simulate(const Hospital& hospital, const Params& params, const Policy& policy, const RunOptions& options,
                   const Schedule& schedule = {}, core::CancellationToken* cancel = nullptr);

}  // namespace culturesim
