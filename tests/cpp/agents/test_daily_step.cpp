// The daily dynamics (agents/daily_step.cpp) reduced to the seed's thought experiments: the
// distress bucket with everything else switched off, and the crescendo effect of moral residue.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <vector>

#include "agents/daily_step.hpp"
#include "agents/simulation.hpp"
#include "tests/cpp/catch.hpp"

using namespace culturesim;

namespace {

/// Parameters that leave only the seed's bucket: every clinician has the same fixed error rate
/// lambda (no novice, hazard, distress, burnout or shortcut effects, nobody reckless), every event
/// pours exactly delta_base (severity weights and response multipliers 1, nobody reports or
/// detects anything so the response is always "none", no crescendo, no moral residue, no
/// witnessing), nobody leaves, and the bucket drains at alpha_base.
Params bucket_only(double lambda, double delta, double alpha) {
  Params p;
  p.base_error_rate = {lambda, lambda, lambda, lambda};
  p.novice_excess = 0.0;
  p.hazard_effect = 0.0;
  p.initial_hazards = 0.0;
  p.hazard_arrival_per_year = 0.0;
  p.distress_effect = 0.0;
  p.burnout_effect = 0.0;
  p.initial_shortcut = 0.0;
  p.new_hire_shortcut = 0.0;
  p.friction_push = 0.0;
  p.reinforce = 0.0;
  p.reckless_fraction = 0.0;
  p.report_max = 0.0;
  p.detect_prob = {0.0, 0.0, 0.0, 0.0, 0.0};
  p.delta_base = delta;
  p.severity_weight = {1.0, 1.0, 1.0, 1.0, 1.0};
  p.response_mult = {1.0, 1.0, 1.0, 1.0, 1.0};
  p.crescendo = 0.0;
  p.moral_increment = 0.0;
  p.delta_witness = 0.0;
  p.quit_rate = {0.0, 0.0, 0.0, 0.0};
  p.sv_dropout_rate = 0.0;
  p.alpha_base = alpha;
  p.validate();
  return p;
}

/// A policy without tiered support, so that alpha = alpha_base.
Policy unsupported() {
  Policy policy = Policy::typical();
  policy.support_level = 0.0;
  return policy;
}

/// Daily mean distress of the default hospital (record_every = 1: period p is the end of day p).
std::vector<double> daily_distress_mean(const Params& params, const Policy& policy, std::int64_t days,
                                        std::uint64_t seed) {
  RunOptions options;
  options.days = days;
  options.record_every = 1;
  options.seed = seed;
  const RunResult r = simulate(Hospital::default_hospital(), params, policy, options);
  const auto row = r.series.row(static_cast<std::size_t>(Output::distress_mean));
  return {row.begin(), row.end()};
}

double mean_of(const std::vector<double>& v, std::size_t from) {
  return std::accumulate(v.begin() + static_cast<std::ptrdiff_t>(from), v.end(), 0.0) /
         static_cast<double>(v.size() - from);
}

/// One clinician alone in a one-slot unit, for stepping the daily update by hand.
struct LoneClinician {
  ClinicianState state;
  UnitState unit;
  LoneClinician(const Params& params, const core::RandomStream& rng) {
    state.resize(1);
    init_clinician(state, 0, Role::nurse, 0, params, rng);
    unit.begin = 0;
    unit.end = 1;
    unit.index = 0;
    unit.hazards = 0;
    refresh_unit_means(state, unit);
  }
};

}  // namespace

TEST_CASE("With everything else off, the mean bucket level tends to lambda*delta/(1 - exp(-alpha))",
          "[agents][daily_step][bucket]") {
  struct Case {
    double lambda, delta, alpha;
    std::int64_t burn_in, days;
  };
  // Burn-in of 10/alpha days; the average runs over 1,000 clinicians and 2,000 to 3,000 days, so its
  // sampling error is about 0.3%.
  for (const Case c : {Case{0.05, 0.5, 0.1, 100, 2100}, Case{0.05, 1.0, 0.01, 1000, 4000}}) {
    INFO("lambda " << c.lambda << ", delta " << c.delta << ", alpha " << c.alpha);
    const Params params = bucket_only(c.lambda, c.delta, c.alpha);
    const auto distress = daily_distress_mean(params, unsupported(), c.days, 11);
    const double measured = mean_of(distress, static_cast<std::size_t>(c.burn_in));
    const double expected = c.lambda * c.delta / (1.0 - std::exp(-c.alpha));
    CHECK(measured == Approx(expected).epsilon(0.02));
    if (c.alpha >= 0.1) {
      // At alpha = 0.1 the discrete-day level is 5% above the continuous lambda*delta/alpha, and
      // 10% above the level after the drain but before the day's events: the test tells them apart.
      CHECK(measured != Approx(c.lambda * c.delta / c.alpha).epsilon(0.02));
      CHECK(measured != Approx(expected * std::exp(-c.alpha)).epsilon(0.02));
    }
  }
}

TEST_CASE("With alpha = 0 the mean bucket level grows as lambda*delta*t", "[agents][daily_step][bucket]") {
  const double lambda = 0.1, delta = 0.5;
  const Params params = bucket_only(lambda, delta, 0.0);
  const auto distress = daily_distress_mean(params, unsupported(), 3 * 365, 12);
  // Period p is the end of day p, after p + 1 days of events.
  for (std::size_t t : {365u, 730u, 1095u}) {
    INFO("t = " << t << " days");
    CHECK(distress[t - 1] == Approx(lambda * delta * static_cast<double>(t)).epsilon(0.02));
  }
  CHECK((distress[1094] - distress[364]) / 730.0 == Approx(lambda * delta).epsilon(0.02));
  // Nothing drains: the mean never falls.
  for (std::size_t d = 1; d < distress.size(); ++d) REQUIRE(distress[d] >= distress[d - 1]);
}

TEST_CASE("Tiered support drains second victims at alpha_base + alpha_support * support_level, others at alpha_base",
          "[agents][daily_step][bucket]") {
  // Support reaches the clinicians an event hit (MODEL.md 8: support shortens episodes, it does
  // not prevent the events that start them). With sv_threshold tiny and no recovery level, every
  // clinician enters an episode at their first event and never leaves it, so every bucket drains
  // at the supported rate; with support_level 0 at alpha_base alone.
  Params params = bucket_only(0.05, 0.5, 0.02);
  params.alpha_support = 0.08;
  params.sv_threshold = 1e-9;
  params.sv_recovery_level = 0.0;
  Policy policy = unsupported();
  policy.support_level = 1.0;  // alpha = 0.1 in an episode
  const auto supported = daily_distress_mean(params, policy, 2100, 13);
  CHECK(mean_of(supported, 100) == Approx(0.05 * 0.5 / (1.0 - std::exp(-0.1))).epsilon(0.02));
  const DayConstants k = DayConstants::make(params, policy);
  CHECK(k.drain_episode == std::exp(-0.1));
  CHECK(k.drain == std::exp(-0.02));
  // Out of an episode (the threshold never reached) support changes nothing: alpha_base alone.
  params.sv_threshold = 1000.0;
  const auto outside = daily_distress_mean(params, policy, 2100, 13);
  CHECK(mean_of(outside, 100) == Approx(0.05 * 0.5 / (1.0 - std::exp(-0.02))).epsilon(0.02));
}

TEST_CASE("Moral residue amplifies an event's distress by exactly 1 + crescendo * R",
          "[agents][daily_step][crescendo]") {
  // Design: two copies of one clinician, identical except for their moral residue (R = 0 and
  // R = 2), stepped through the same days with the same random stream. The error hazard does not
  // depend on distress here (distress_effect = 0), so both copies make exactly the same errors of
  // the same severity with the same (null) response; residue neither grows (moral_increment = 0)
  // nor decays (moral_decay = 0), and the bucket does not drain (alpha = 0), so each day's rise in
  // D is exactly the day's event distress. The copy with residue must rise 1 + 0.5 * 2 = 2 times
  // as much on every day with an event, and by the same amount when crescendo = 0.
  Params params = bucket_only(0.3, 1.0, 0.0);
  params.severity_weight = {0.1, 0.2, 1.0, 2.0, 4.0};  // events of different weights
  params.moral_decay = 0.0;
  for (double crescendo : {0.5, 0.0}) {
    INFO("crescendo " << crescendo);
    params.crescendo = crescendo;
    const Policy policy = unsupported();
    const DayConstants constants = DayConstants::make(params, policy);
    const core::RandomStream rng(2024, 0);
    LoneClinician clean(params, rng), burdened(params, rng);
    burdened.state.moral_residue[0] = 2.0;
    const double factor = 1.0 + crescendo * 2.0;
    int event_days = 0;
    for (std::int64_t day = 0; day < 400; ++day) {
      const DayInputs in{day, params, policy, constants, rng};
      OutputRow rows[2]{};
      const double before_clean = clean.state.distress[0];
      const double before_burdened = burdened.state.distress[0];
      step_unit_day(clean.state, clean.unit, in, rows[0]);
      step_unit_day(burdened.state, burdened.unit, in, rows[1]);
      const double rise_clean = clean.state.distress[0] - before_clean;
      const double rise_burdened = burdened.state.distress[0] - before_burdened;
      // The same events (second-victim episodes may differ: the burdened copy crosses sv_threshold sooner).
      for (Output o : {Output::errors_human, Output::errors_at_risk, Output::near_misses, Output::errors_no_harm,
                       Output::harm_mild, Output::harm_moderate, Output::harm_severe, Output::concealed}) {
        REQUIRE(rows[0][static_cast<std::size_t>(o)] == rows[1][static_cast<std::size_t>(o)]);
      }
      REQUIRE(burdened.state.moral_residue[0] == 2.0);
      if (rise_clean > 0.0) ++event_days;
      REQUIRE(rise_burdened == Approx(factor * rise_clean).epsilon(1e-12));
    }
    CHECK(event_days > 50);
  }
}

TEST_CASE("Concealment builds moral residue that makes later events more distressing",
          "[agents][daily_step][crescendo]") {
  // Two runs of the default hospital that differ only in moral_increment (1 vs 0). Disclosure is
  // never supported, so every harm event is concealed and, in the first run, leaves residue. As
  // above, errors do not depend on distress, so by common random numbers both runs have exactly the
  // same events; only the crescendo differs. Every clinician's D must be at least as high with
  // residue, and higher for many.
  Params params = bucket_only(0.05, 1.0, 0.01);
  params.severity_weight = {0.1, 0.2, 1.0, 2.0, 4.0};
  params.crescendo = 0.2;
  Policy policy = unsupported();
  policy.disclosure_support = 0.0;
  RunOptions options;
  options.days = 2 * 365;
  options.seed = 3;

  Params with_residue = params;
  with_residue.moral_increment = 1.0;
  Simulation clean(Hospital::default_hospital(), params, policy, options);
  Simulation burdened(Hospital::default_hospital(), with_residue, policy, options);
  const RunResult a = clean.run();
  const RunResult b = burdened.run();

  for (Output o : {Output::errors_human, Output::near_misses, Output::harm_severe, Output::concealed}) {
    const auto i = static_cast<std::size_t>(o);
    CHECK(std::vector<double>(a.series.row(i).begin(), a.series.row(i).end()) ==
          std::vector<double>(b.series.row(i).begin(), b.series.row(i).end()));
  }
  const auto& da = clean.state().distress;
  const auto& db = burdened.state().distress;
  std::size_t higher = 0;
  for (std::size_t i = 0; i < da.size(); ++i) {
    REQUIRE(db[i] >= da[i]);
    if (db[i] > da[i]) ++higher;
  }
  CHECK(higher > da.size() / 4);
  const auto mean_row = static_cast<std::size_t>(Output::distress_mean);
  CHECK(b.series.row(mean_row).back() > 1.1 * a.series.row(mean_row).back());
}
