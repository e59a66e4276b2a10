#include "agents/simulation.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "core/errors.hpp"
#include "core/parallel.hpp"

namespace culturesim {
namespace {

inline double& at(OutputRow& row, Output o) { return row[static_cast<std::size_t>(o)]; }

/// Whether output o is summed over the period (a table: record_period asks for every output).
bool is_flow(std::size_t o) {
  static const std::vector<bool> flow = [] {
    std::vector<bool> f;
    for (const auto& spec : output_specs()) f.push_back(spec.kind == "flow");
    return f;
  }();
  return flow[o];
}

}  // namespace

void RunOptions::validate() const {
  if (days < 1 || days > kMaxRunDays) {
    throw InvalidValue("days = " + std::to_string(days) +
                       " is out of range; allowed 1 to 100000000 (years 1/365 to 273972)");
  }
  if (!core::is_calendar(record_every) && (record_every < 1 || record_every > kMaxRecordEvery)) {
    throw InvalidValue(
        "record_every = " + std::to_string(record_every) +
        " is out of range; allowed 1 to 36500 days, or a calendar: month (-12), quarter (-4), year (-1)");
  }
  if (snapshot_every < 0 || snapshot_every > kMaxRecordEvery) {
    throw InvalidValue("snapshot_every = " + std::to_string(snapshot_every) +
                       " is out of range; allowed 0 (no snapshots) to 36500 days");
  }
  if (warmup_days < 0 || warmup_days > kMaxWarmupDays) {
    throw InvalidValue("warmup_days = " + std::to_string(warmup_days) +
                       " is out of range; allowed 0 (start from an empty hospital) to " +
                       std::to_string(kMaxWarmupDays) + " (warmup_years 0 to " + std::to_string(kMaxWarmupYears) + ")");
  }
  if (warmup_policy) warmup_policy->validate();
  if (start && warmup_days > 0) {
    throw InvalidValue("warmup_days = " + std::to_string(warmup_days) +
                       " with a start state: a run starting from a saved hospital state has no warm-up of its own; "
                       "allowed warmup_days 0");
  }
  if (replicate >= core::RandomStream::kReplicateLimit) {
    throw InvalidValue("replicate = " + std::to_string(replicate) + " is out of range; allowed 0 to " +
                       std::to_string(core::RandomStream::kReplicateLimit - 1));
  }
  if (start && (start->seed != seed || start->replicate != replicate || start->stream != stream)) {
    throw InvalidValue("start state: it was made with seed " + std::to_string(start->seed) + ", replicate " +
                       std::to_string(start->replicate) + ", stream " + std::to_string(start->stream) +
                       "; this run has seed " + std::to_string(seed) + ", replicate " + std::to_string(replicate) +
                       ", stream " + std::to_string(stream) +
                       " (random numbers are keyed by all three, so a run carries on only with the state's own)");
  }
}

void Simulation::resume_from(const HospitalState& start) {
  // The state must be of this hospital: the same posts in the same units and roles.
  const std::string what = "start state: ";
  if (start.clinicians.size() != state_.size() || start.units.size() != units_.size()) {
    throw InvalidValue(what + "it has " + std::to_string(start.clinicians.size()) + " clinician posts in " +
                       std::to_string(start.units.size()) + " units; this hospital has " +
                       std::to_string(state_.size()) + " in " + std::to_string(units_.size()) +
                       " (a run carries on only in the hospital the state was saved from)");
  }
  for (const UnitState& us : units_) {
    for (std::size_t i = us.begin; i < us.end; ++i) {
      if (start.clinicians.unit[i] != us.index || start.clinicians.role[i] != state_.role[i]) {
        throw InvalidValue(what + "post " + std::to_string(i) + " is not in the unit and role this hospital has there");
      }
    }
  }
  state_ = start.clinicians;
  for (std::size_t u = 0; u < units_.size(); ++u) {
    UnitState saved = start.units[u];
    saved.begin = units_[u].begin;  // the layout is the hospital's (checked above)
    saved.end = units_[u].end;
    saved.index = units_[u].index;
    saved.workload = units_[u].workload;
    units_[u] = saved;
  }
  day_ = origin_ = start.day;
  warmup_ = start.warmup;
}

Simulation::Simulation(Hospital hospital, Params params, Policy policy, RunOptions options)
    : hospital_(std::move(hospital)),
      params_(std::move(params)),
      policy_(options.warmup_days > 0 ? options.warmup_policy.value_or(Policy::typical()) : policy),
      scenario_policy_(policy),
      options_(options),
      clock_{options.days, options.record_every},
      rng_(options.seed, options.replicate, options.stream) {
  hospital_.validate();
  params_.validate();
  policy_.validate();
  scenario_policy_.validate();
  options_.validate();
  day_ = -options_.warmup_days;  // the warm-up's days are negative; its random numbers are its own
  // (resume_from moves day_ and origin_ to a start state's day)
  if (hospital_.units.size() > 65535) throw InvalidValue("a hospital has at most 65535 units");
  constants_ = DayConstants::make(params_, policy_);

  state_.resize(static_cast<std::size_t>(hospital_.establishment()));
  std::size_t slot = 0;
  for (std::size_t u = 0; u < hospital_.units.size(); ++u) {
    const Unit& unit = hospital_.units[u];
    UnitState us;
    us.begin = slot;
    us.index = u;
    for (std::size_t r = 0; r < kRoles; ++r) {
      for (int n = 0; n < unit.headcount[r]; ++n, ++slot) {
        if (options_.start) {
          state_.role[slot] = static_cast<Role>(r);  // for resume_from's check; the rest is the state's
        } else {
          init_clinician(state_, slot, static_cast<Role>(r), static_cast<std::uint16_t>(u), params_, rng_);
        }
      }
    }
    us.end = slot;
    us.workload = unit.workload;
    us.hazards = static_cast<std::int64_t>(std::llround(unit.initial_hazards.value_or(params_.initial_hazards)));
    if (!options_.start) refresh_unit_means(state_, us);
    units_.push_back(us);
  }
  if (options_.start) resume_from(*options_.start);
  unit_rows_.assign(units_.size(), OutputRow{});
  series_ = core::SeriesTable(kOutputs, static_cast<std::size_t>(clock_.periods()));
  if (options_.breakdown) {
    role_rows_.assign(units_.size(), RoleRows{});
    by_unit_ = core::SeriesTable(units_.size() * kOutputs, static_cast<std::size_t>(clock_.periods()));
    by_role_ = core::SeriesTable(kRoles * kOutputs, static_cast<std::size_t>(clock_.periods()));
  }
}

void Simulation::apply(const ScheduledChange& change) {
  if (change.params) {
    change.params->validate();
    params_ = *change.params;
  }
  if (change.policy) {
    change.policy->validate();
    scenario_policy_ = *change.policy;
    if (day_ >= origin_) policy_ = *change.policy;  // before day 0 the warm-up's policy rules
  }
  for (std::size_t u : change.clear_hazards_units) {
    if (u >= units_.size()) {
      throw InvalidValue("change '" + change.label + "': unit index " + std::to_string(u) +
                         " is out of range; allowed 0 to " + std::to_string(units_.size() - 1));
    }
    units_[u].hazards = 0;
  }
  if (change.params || change.policy) constants_ = DayConstants::make(params_, policy_);
}

void Simulation::step_segment(std::int64_t end_day) {
  // Units never interact, so each unit steps the whole segment in its own task.
  // The warm-up is not recorded, so it never needs the flows by role.
  const bool by_role = options_.breakdown && day_ >= origin_;
  core::parallel_each(units_.size(), [&](std::size_t u) {
    for (std::int64_t d = day_; d < end_day; ++d) {
      const DayInputs in{d, params_, policy_, constants_, rng_};
      if (by_role) {
        step_unit_day_by_role(state_, units_[u], in, role_rows_[u]);
      } else {
        step_unit_day(state_, units_[u], in, unit_rows_[u]);
      }
    }
  });
  day_ = end_day;
}

void Simulation::step_until(std::int64_t end_day) {
  if (day_ < origin_) warm_up(nullptr, nullptr);
  end_day = std::min(end_day, clock_.days);
  while (day() < end_day) {
    const std::int64_t period = clock_.period_of(day());
    std::int64_t stop = std::min(end_day, clock_.period_end(period));
    if (options_.snapshot_every > 0) {
      const std::int64_t next_snapshot = (day() / options_.snapshot_every + 1) * options_.snapshot_every;
      stop = std::min(stop, next_snapshot);
    }
    step_segment(origin_ + stop);
    if (day() == clock_.period_end(period)) record_period(period);
    if (options_.snapshot_every > 0 && day() % options_.snapshot_every == 0) snapshots_.push_back(snapshot());
  }
}

OutputRow Simulation::levels() const {
  double hazards = 0.0;
  for (const auto& u : units_) hazards += static_cast<double>(u.hazards);
  return levels_of(0, state_.size(), -1, hazards);
}

void Simulation::record_period(std::int64_t period) {
  if (options_.breakdown) record_breakdown(period);  // also makes unit_rows_ the sums of its roles
  const OutputRow row = take_period_row();
  for (std::size_t o = 0; o < kOutputs; ++o) series_.at(o, static_cast<std::size_t>(period)) = row[o];
}

OutputRow Simulation::levels_of(std::size_t begin, std::size_t end, int role, double hazards) const {
  OutputRow row{};
  const auto& s = state_;
  std::vector<double> distress;
  double posts = 0.0, burnout_sum = 0.0, burned_out = 0.0, residue = 0.0, shortcut = 0.0, safety = 0.0, value = 0.0,
         sv_active = 0.0, sv_over_year = 0.0, sv_past_year = 0.0;
  // The last day already stepped: episodes are counted as of the end of that day.
  const std::int64_t today = day_ - 1;
  for (std::size_t i = begin; i < end; ++i) {
    if (role >= 0 && index(s.role[i]) != static_cast<std::size_t>(role)) continue;
    posts += 1.0;
    if (!s.active[i]) continue;
    distress.push_back(s.distress[i]);
    burnout_sum += s.burnout[i];
    burned_out += s.burnout[i] >= 0.5 ? 1.0 : 0.0;
    residue += s.moral_residue[i];
    shortcut += s.shortcut[i];
    safety += s.psych_safety[i];
    value += s.report_value[i];
    if (s.sv_in_episode[i]) {
      sv_active += 1.0;
      if (today - s.sv_start_day[i] >= core::kDaysPerYear) sv_over_year += 1.0;
    }
    // In an episode at some time in the past 365 days: now, or one that ended within them.
    if (s.sv_in_episode[i] || today - s.sv_last_end_day[i] < core::kDaysPerYear) sv_past_year += 1.0;
  }
  const double n = static_cast<double>(distress.size());
  const double inv = n > 0 ? 1.0 / n : 0.0;
  double distress_sum = 0.0;
  for (double d : distress) distress_sum += d;
  double p90 = 0.0;
  if (!distress.empty()) {
    const std::size_t k = static_cast<std::size_t>(std::ceil(0.9 * n)) - 1;  // nearest-rank percentile
    std::nth_element(distress.begin(), distress.begin() + static_cast<std::ptrdiff_t>(k), distress.end());
    p90 = distress[k];
  }
  at(row, Output::hazards) = hazards;
  at(row, Output::distress_mean) = distress_sum * inv;
  at(row, Output::distress_p90) = p90;
  at(row, Output::burnout_prevalence) = burned_out * inv;
  at(row, Output::burnout_mean) = burnout_sum * inv;
  at(row, Output::moral_residue_mean) = residue * inv;
  at(row, Output::shortcut_mean) = shortcut * inv;
  at(row, Output::psych_safety_mean) = safety * inv;
  at(row, Output::report_value_mean) = value * inv;
  at(row, Output::sv_active) = sv_active;
  at(row, Output::sv_active_over_year) = sv_over_year;
  at(row, Output::sv_past_year) = sv_past_year;
  at(row, Output::headcount) = n;
  at(row, Output::vacancies) = posts - n;
  return row;
}

OutputRow Simulation::take_period_row() {
  OutputRow row = levels();
  for (std::size_t o = 0; o < kOutputs; ++o) {
    if (!is_flow(o)) continue;
    double total = 0.0;
    for (auto& unit_row : unit_rows_) total += unit_row[o];  // fixed unit order: deterministic
    row[o] = total;
  }
  for (auto& unit_row : unit_rows_) unit_row.fill(0.0);
  return row;
}

void Simulation::record_breakdown(std::int64_t period) {
  const auto p = static_cast<std::size_t>(period);
  std::array<OutputRow, kRoles> role_flows{};
  for (std::size_t u = 0; u < units_.size(); ++u) {
    OutputRow& unit_flows = unit_rows_[u];
    unit_flows.fill(0.0);
    for (std::size_t r = 0; r < kRoles; ++r) {
      for (std::size_t o = 0; o < kOutputs; ++o) {
        unit_flows[o] += role_rows_[u][r][o];  // fixed role order: deterministic
        role_flows[r][o] += role_rows_[u][r][o];
      }
      role_rows_[u][r].fill(0.0);
    }
    const OutputRow levels = levels_of(units_[u].begin, units_[u].end, -1, static_cast<double>(units_[u].hazards));
    for (std::size_t o = 0; o < kOutputs; ++o)
      by_unit_.at(u * kOutputs + o, p) = is_flow(o) ? unit_flows[o] : levels[o];
  }
  for (std::size_t r = 0; r < kRoles; ++r) {
    const OutputRow levels = levels_of(0, state_.size(), static_cast<int>(r), NAN);
    for (std::size_t o = 0; o < kOutputs; ++o)
      by_role_.at(r * kOutputs + o, p) = is_flow(o) ? role_flows[r][o] : levels[o];
  }
}

Snapshot Simulation::snapshot() const { return Snapshot::of(state_, day()); }

HospitalState Simulation::save() const {
  HospitalState s;
  s.day = day_;
  s.seed = rng_.seed();
  s.replicate = rng_.replicate();
  s.stream = rng_.stream();
  s.clinicians = state_;
  s.units = units_;
  s.warmup = warmup_;
  return s;
}

void Simulation::warm_up_now(core::CancellationToken* cancel, std::atomic<std::int64_t>* days_done) {
  if (day_ < origin_) warm_up(cancel, days_done);
}

RunResult Simulation::result() const {
  RunResult r;
  r.series = series_;
  for (std::int64_t p = 0; p < clock_.periods(); ++p) {
    r.period_start_day.push_back(static_cast<double>(clock_.period_start(p)));
    r.period_days.push_back(static_cast<double>(clock_.period_end(p) - clock_.period_start(p)));
  }
  r.snapshots = snapshots_;
  r.warmup = warmup_;
  r.by_unit = by_unit_;
  r.by_role = by_role_;
  if (options_.keep_final_state) r.final_state = save();
  return r;
}

RunResult Simulation::run(const Schedule& schedule, core::CancellationToken* cancel,
                          std::atomic<std::int64_t>* days_done) {
  for (std::size_t c = 1; c < schedule.size(); ++c) {
    if (schedule[c].day < schedule[c - 1].day) {
      throw InvalidValue("schedule: change '" + schedule[c].label + "' on day " + std::to_string(schedule[c].day) +
                         " comes after a change on a later day; sort changes by day");
    }
  }
  if (day_ < origin_) warm_up(cancel, days_done);
  std::size_t next = 0;
  while (day() < clock_.days) {
    while (next < schedule.size() && schedule[next].day <= day()) apply(schedule[next++]);
    std::int64_t stop = clock_.period_end(clock_.period_of(day()));
    if (next < schedule.size()) stop = std::min(stop, schedule[next].day);
    const std::int64_t before = day_;
    step_until(stop);
    if (days_done) days_done->fetch_add(day_ - before, std::memory_order_relaxed);
    if (cancel && (cancel->cancelled() || cancel->poll())) {
      throw Interrupted("run stopped on request at day " + std::to_string(day()));
    }
  }
  return result();
}

void Simulation::warm_up(core::CancellationToken* cancel, std::atomic<std::int64_t>* days_done) {
  // The slow states whose settling the report checks, read from the levels at each year's end.
  static constexpr Output kSlow[] = {Output::burnout_mean,      Output::moral_residue_mean, Output::psych_safety_mean,
                                     Output::report_value_mean, Output::shortcut_mean,      Output::hazards};
  constexpr std::size_t kN = std::size(kSlow);
  std::vector<std::array<double, kN>> yearly;  // the mean of each state over each warm-up year
  warmup_ = WarmupReport{};
  warmup_.days = -day_;
  for (Output o : kSlow) warmup_.names.push_back(output_specs()[static_cast<std::size_t>(o)].name);
  if (options_.record_warmup) {
    const std::int64_t years = (warmup_.days + core::kDaysPerYear - 1) / core::kDaysPerYear;
    warmup_.series = core::SeriesTable(kOutputs, static_cast<std::size_t>(years));
  }
  while (day_ < 0) {
    // A year at a time (the last one partial), sampled monthly for its mean.
    const std::int64_t year_end = std::min<std::int64_t>(0, day_ + core::kDaysPerYear);
    std::array<double, kN> sum{};
    int samples = 0;
    while (day_ < year_end) {
      const std::int64_t before = day_;
      step_segment(std::min<std::int64_t>(year_end, day_ + 30));
      const OutputRow row = levels();
      for (std::size_t k = 0; k < kN; ++k) sum[k] += row[static_cast<std::size_t>(kSlow[k])];
      ++samples;
      if (days_done) days_done->fetch_add(day_ - before, std::memory_order_relaxed);
      if (cancel && (cancel->cancelled() || cancel->poll())) {
        throw Interrupted("run stopped on request during the warm-up, " + std::to_string(-day_) + " days before day 0");
      }
    }
    for (auto& v : sum) v /= samples;
    if (options_.record_warmup) {
      const std::size_t year = yearly.size();
      const OutputRow row = take_period_row();
      for (std::size_t o = 0; o < kOutputs; ++o) warmup_.series.at(o, year) = row[o];
      const std::int64_t start = -warmup_.days + static_cast<std::int64_t>(year) * core::kDaysPerYear;
      warmup_.period_start_day.push_back(static_cast<double>(start));
      warmup_.period_days.push_back(static_cast<double>(year_end - start));
    }
    yearly.push_back(sum);
  }
  // Drift per year of each state's mean: the last three years against the three before (fewer for
  // short warm-ups; longer windows average out the noise of a 1,000-clinician hospital), relative
  // to the level where it is above 1.
  const std::size_t n = yearly.size();
  const std::size_t window = std::max<std::size_t>(1, std::min<std::size_t>(3, n / 2));
  if (n >= 2) {
    for (std::size_t k = 0; k < kN; ++k) {
      double last = 0.0, previous = 0.0;
      for (std::size_t y = 0; y < window; ++y) {
        last += yearly[n - 1 - y][k] / static_cast<double>(window);
        previous += yearly[n - 1 - window - y][k] / static_cast<double>(window);
      }
      warmup_.previous_year.push_back(previous);
      warmup_.last_year.push_back(last);
      const double scale = std::max(1.0, std::abs(last));
      const double drift = std::abs(last - previous) / scale / static_cast<double>(window);
      warmup_.drift.push_back(drift);
      // Yearly means fluctuate (a small hospital; units drifting together, as shortcuts under blame
      // do for years): a change within two standard deviations of the yearly means of the last
      // (up to) ten years around their straight-line trend is not a trend of its own.
      const std::size_t recent = std::min<std::size_t>(n, 10);
      double noise = 0.0;
      if (recent >= 5) {
        double t_mean = 0.0, y_mean = 0.0;
        for (std::size_t y = 0; y < recent; ++y) {
          t_mean += static_cast<double>(y) / static_cast<double>(recent);
          y_mean += yearly[n - recent + y][k] / static_cast<double>(recent);
        }
        double sxy = 0.0, sxx = 0.0;
        for (std::size_t y = 0; y < recent; ++y) {
          sxy += (static_cast<double>(y) - t_mean) * (yearly[n - recent + y][k] - y_mean);
          sxx += (static_cast<double>(y) - t_mean) * (static_cast<double>(y) - t_mean);
        }
        const double slope = sxy / sxx;
        double residual = 0.0;
        for (std::size_t y = 0; y < recent; ++y) {
          residual += std::pow(yearly[n - recent + y][k] - y_mean - slope * (static_cast<double>(y) - t_mean), 2);
        }
        noise = std::sqrt(residual / static_cast<double>(recent - 2)) / scale / static_cast<double>(window);
      }
      // Hazards are integer counts in a few units: their yearly means jump by more than any trend,
      // and they settle within about two years (arrivals and fixes are fast), so they are shown, not judged.
      if (kSlow[k] != Output::hazards && drift > std::max(WarmupReport::kTolerance, 2.0 * noise)) {
        warmup_.settled = false;
      }
    }
  } else {
    warmup_.settled = false;  // under two years: nothing to compare
  }
  // Day 0: the warm-up's flows are not recorded, and the scenario's own policy begins.
  for (auto& unit_row : unit_rows_) unit_row.fill(0.0);
  for (auto& rows : role_rows_) rows = RoleRows{};
  policy_ = scenario_policy_;
  constants_ = DayConstants::make(params_, policy_);
}

RunResult simulate(const Hospital& hospital, const Params& params, const Policy& policy, const RunOptions& options,
                   const Schedule& schedule, core::CancellationToken* cancel) {
  Simulation sim(hospital, params, policy, options);
  return sim.run(schedule, cancel);
}

}  // namespace culturesim
