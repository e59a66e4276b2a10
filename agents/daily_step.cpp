#include "agents/daily_step.hpp"

#include <algorithm>
#include <cmath>

#include "agents/random_purposes.hpp"
#include "agents/response.hpp"
#include "core/distributions.hpp"
#include "core/parallel.hpp"

namespace culturesim {
namespace {

using core::Uniforms;

constexpr std::size_t kGrain = 4096;  // slots per parallel chunk: small units run inline
constexpr double kNoviceNegligible = 1e-9;
constexpr std::size_t kNoviceTableMax = 1 << 16;

inline double clamp01(double x) { return x < 0.0 ? 0.0 : (x > 1.0 ? 1.0 : x); }
inline void add(OutputRow& row, Output o, double v) { row[static_cast<std::size_t>(o)] += v; }
inline std::uint8_t saturating_inc(std::uint8_t x) { return x == 255 ? x : static_cast<std::uint8_t>(x + 1); }

double sample_sensitivity(const Params& p, double u1, double u2) {
  return core::lognormal_mean_sd(1.0, p.sensitivity_sd, u1, u2);
}

/// A new hire takes a vacant slot: tenure 0, no distress, burnout or residue, the new-hire
/// shortcut share, and the unit's mean beliefs (they learn the local culture from colleagues).
void hire(ClinicianState& s, std::size_t i, const UnitState& unit, const DayInputs& in) {
  const Uniforms u = in.rng.uniforms(i, static_cast<std::uint64_t>(in.day), purpose_hire);
  s.active[i] = 1;
  s.tenure_days[i] = 0;
  s.sensitivity[i] = sample_sensitivity(in.params, u[0], u[1]);
  s.reckless[i] = u[2] < in.params.reckless_fraction;
  s.distress[i] = 0.0;
  s.moral_residue[i] = 0.0;
  s.burnout[i] = 0.0;
  s.shortcut[i] = in.params.new_hire_shortcut;
  s.psych_safety[i] = unit.headcount > 0 ? unit.mean_safety : in.params.initial_psych_safety;
  s.report_value[i] = unit.headcount > 0 ? unit.mean_value : in.params.initial_report_value;
  s.sv_in_episode[i] = 0;
  s.sv_flags[i] = 0;
  s.sv_start_day[i] = kNever;
  s.sv_last_start_day[i] = kNever;
  s.day_flags[i] |= day_hired;
}

/// Everything that follows one error of the clinician in slot i (steps 3 to 9 and 12 to 14).
void handle_error(ClinicianState& s, std::size_t i, Behaviour behaviour, const Uniforms& a, const Uniforms& b,
                  const Uniforms& c, const UnitState& unit, const DayInputs& in, OutputRow& row) {
  const Params& p = in.params;
  const Policy& pol = in.policy;

  // 3. Severity.
  const auto severity = static_cast<Severity>(core::categorical_from_uniform(p.severity_probs, a[1]));
  const bool harm = is_harm(severity);
  add(row, behaviour == Behaviour::human_error ? Output::errors_human
           : behaviour == Behaviour::at_risk   ? Output::errors_at_risk
                                               : Output::errors_reckless,
      1.0);
  static constexpr Output kSeverityOutput[] = {Output::near_misses, Output::errors_no_harm, Output::harm_mild,
                                               Output::harm_moderate, Output::harm_severe};
  add(row, kSeverityOutput[index(severity)], 1.0);

  // 4. Reporting: fear (P) and futility (U) both silence it; detection is independent.
  const double report_p = clamp01(p.report_max * std::pow(s.psych_safety[i], p.report_safety_power) *
                                  std::pow(s.report_value[i], p.report_value_power) *
                                  p.report_severity_mult[index(severity)]);
  const bool reported = a[2] < report_p;
  const bool detected = !reported && a[3] < p.detect_prob[index(severity)];
  if (reported) {
    add(row, Output::reports, 1.0);
    if (harm) add(row, Output::reports_harm, 1.0);
  }
  if (detected) add(row, Output::detected_unreported, 1.0);

  // 5-6. The organisation's response and learning, for known events only.
  Response response = Response::none;
  bool fixed = false;
  bool dismissed = false;
  if (reported || detected) {
    const Behaviour judged = classify(behaviour, severity, pol, b[0]);
    if (judged != behaviour) add(row, Output::misclassified, 1.0);
    response = respond(judged, severity, pol, b[1], b[2], b[3]);
    static constexpr Output kResponseOutput[] = {Output::console, Output::console, Output::coach, Output::punish,
                                                 Output::discipline};
    if (response != Response::none) add(row, kResponseOutput[index(response)], 1.0);
    if (c[0] < pol.systems_rca) {
      add(row, Output::rca, 1.0);
      // The fix needs a hazard to remove; same-day fixes beyond the unit's hazards are clamped in phase B.
      fixed = unit.hazards > 0 && c[1] < p.fix_prob;
      if (fixed) s.own_fixes[i] = saturating_inc(s.own_fixes[i]);
    }
    if (response == Response::discipline && c[2] < p.dismiss_prob) dismissed = true;
  }
  const bool punished = is_punitive(response);
  if (punished && behaviour == Behaviour::human_error) {
    s.own_punished_human[i] = saturating_inc(s.own_punished_human[i]);
  }
  if (severity == Severity::severe) s.own_severe[i] = saturating_inc(s.own_severe[i]);

  // 7-8. Distress, amplified by moral residue (the crescendo), then residue from concealment.
  const double before = s.distress[i];
  double delta = p.delta_base * p.severity_weight[index(severity)] * p.response_mult[index(response)] *
                 (1.0 + p.crescendo * s.moral_residue[i]);
  if (detected && punished) delta += p.concealment_penalty;
  s.distress[i] = before + delta;

  // 9. Disclosure to the first victim, and what it costs.
  if (harm) {
    Disclosure disclosure;
    if (c[3] < pol.disclosure_support) {
      disclosure = response == Response::console ? Disclosure::empathic : Disclosure::defensive;
    } else {
      disclosure = Disclosure::concealed;
      s.moral_residue[i] += p.moral_increment;
    }
    static constexpr Output kDisclosureOutput[] = {Output::disclosed_empathic, Output::disclosed_defensive,
                                                   Output::concealed};
    add(row, kDisclosureOutput[index(disclosure)], 1.0);
    add(row, Output::cost_harm, p.harm_cost[index(severity)]);
    if (a[0] < p.claim_prob[index(disclosure)]) {
      add(row, Output::claims, 1.0);
      add(row, Output::cost_claims, p.claim_cost[index(disclosure)]);
    }
  }

  // 11. Coaching and punishment cut the shortcut share.
  if (response == Response::coach) s.shortcut[i] *= 1.0 - p.coach_effect;
  if (punished) s.shortcut[i] *= 1.0 - p.punish_deterrence;

  // 12-13. The reporter learns whether reporting is safe and whether it leads anywhere.
  if (reported) {
    s.day_flags[i] |= day_reported;
    s.report_value[i] += p.feedback_learn * ((fixed ? 1.0 : 0.0) - s.report_value[i]);
    s.psych_safety[i] += p.safety_learn * ((punished ? 0.0 : 1.0) - s.psych_safety[i]);
  }

  // 14. A second-victim episode starts when an own event carries D across the threshold.
  if (!s.sv_in_episode[i] && before < p.sv_threshold && s.distress[i] >= p.sv_threshold) {
    s.sv_in_episode[i] = 1;
    s.sv_flags[i] = 0;
    s.sv_start_day[i] = static_cast<std::int32_t>(in.day);
    s.sv_last_start_day[i] = static_cast<std::int32_t>(in.day);
    add(row, Output::sv_started, 1.0);
  }
  if (s.sv_in_episode[i]) {
    if (response == Response::console) s.sv_flags[i] |= sv_consoled;
    if (fixed) s.sv_flags[i] |= sv_fixed;
    if (punished) s.sv_flags[i] |= sv_punished;
  }
  if (dismissed) s.day_flags[i] |= day_leaves_dismissed;
}

/// Phase A for slots [begin, end) of the unit.
void act(ClinicianState& s, const UnitState& unit, const DayInputs& in, std::size_t begin, std::size_t end,
         OutputRow& row) {
  const Params& p = in.params;
  const DayConstants& k = in.constants;
  const auto day = static_cast<std::uint64_t>(in.day);
  const double hazard_factor = 1.0 + p.hazard_effect * static_cast<double>(unit.hazards);

  for (std::size_t i = begin; i < end; ++i) {
    s.day_flags[i] = 0;
    s.own_severe[i] = 0;
    s.own_punished_human[i] = 0;
    s.own_fixes[i] = 0;
    if (!s.active[i]) {
      if (in.day < s.refill_day[i]) continue;
      hire(s, i, unit, in);
      add(row, Output::hires, 1.0);
    }
    // 7 (first half). The bucket drains before the day's events; residue decays slowly.
    s.distress[i] *= k.drain;
    s.moral_residue[i] *= k.moral_keep;

    // 1. Error hazard: role, novice, latent hazards, distress (saturating) and burnout.
    const double D = s.distress[i];
    const double S = s.shortcut[i];
    const double lambda = p.base_error_rate[index(s.role[i])] * (1.0 + k.novice_excess(s.tenure_days[i], p)) *
                          hazard_factor * (1.0 + p.distress_effect * D / (1.0 + D) + p.burnout_effect * s.burnout[i]);
    // 2. A share S of the work is done by shortcut, where the hazard is shortcut_risk times higher.
    const double lambda_human = lambda * (1.0 - S);
    const double lambda_at_risk = lambda * S * p.shortcut_risk;
    const double lambda_total = lambda_human + lambda_at_risk;

    const Uniforms u = in.rng.uniforms(i, day, purpose_daily);
    const int errors = core::poisson_from_uniform(lambda_total, u[0]);
    const int reckless_acts = s.reckless[i] ? core::poisson_from_uniform(p.reckless_act_rate, u[3]) : 0;
    int incidents = 0;
    for (int e = 0; e < errors; ++e) {
      const std::uint64_t base = 4 * static_cast<std::uint64_t>(e);
      const Uniforms a = in.rng.uniforms(i, day, purpose_error_event, base);
      const Uniforms b = in.rng.uniforms(i, day, purpose_error_event, base + 1);
      const Uniforms c = in.rng.uniforms(i, day, purpose_error_event, base + 2);
      const Uniforms d = in.rng.uniforms(i, day, purpose_error_event, base + 3);
      // The error fell on shortcut work with probability lambda_at_risk / lambda_total.
      const Behaviour behaviour = d[0] * lambda_total < lambda_at_risk ? Behaviour::at_risk : Behaviour::human_error;
      handle_error(s, i, behaviour, a, b, c, unit, in, row);
      ++incidents;
    }
    for (int r = 0; r < reckless_acts; ++r) {
      const std::uint64_t base = 4 * static_cast<std::uint64_t>(r);
      const Uniforms d = in.rng.uniforms(i, day, purpose_reckless_event, base + 3);
      if (d[0] >= p.reckless_error_prob) continue;  // a reckless act that did no harm goes unseen
      const Uniforms a = in.rng.uniforms(i, day, purpose_reckless_event, base);
      const Uniforms b = in.rng.uniforms(i, day, purpose_reckless_event, base + 1);
      const Uniforms c = in.rng.uniforms(i, day, purpose_reckless_event, base + 2);
      handle_error(s, i, Behaviour::reckless, a, b, c, unit, in, row);
      ++incidents;
    }
    // 11 (reinforcement). A shortcut day that went well makes the shortcut more tempting.
    if (incidents == 0 && u[1] < s.shortcut[i]) s.shortcut[i] = std::min(1.0, s.shortcut[i] + p.reinforce);

    // 15 (decision). Quit hazard, raised by burnout and by an ongoing second-victim episode.
    const double quit_hazard = k.quit_per_day[index(s.role[i])] * (1.0 + p.quit_burnout * s.burnout[i]) +
                               (s.sv_in_episode[i] ? p.sv_dropout_rate : 0.0);
    if (u[2] < -std::expm1(-quit_hazard)) s.day_flags[i] |= day_leaves_quit;
  }
}

/// Phase B: what the unit saw today, and its hazards. Serial, in slot order.
struct UnitDay {
  std::int64_t severe = 0;
  std::int64_t punished_human = 0;
  std::int64_t fixes = 0;
};

UnitDay settle_unit(const ClinicianState& s, UnitState& unit, const DayInputs& in, OutputRow& row) {
  UnitDay seen;
  for (std::size_t i = unit.begin; i < unit.end; ++i) {
    seen.severe += s.own_severe[i];
    seen.punished_human += s.own_punished_human[i];
    seen.fixes += s.own_fixes[i];
  }
  // 6. Fixes remove hazards (never below zero); new ones arrive, old ones retire.
  const std::int64_t removed = std::min(seen.fixes, unit.hazards);
  unit.hazards -= removed;
  add(row, Output::fixes, static_cast<double>(removed));

  const auto entity = kUnitEntityBase + unit.index;
  const auto day = static_cast<std::uint64_t>(in.day);
  const Uniforms u = in.rng.uniforms(entity, day, purpose_unit_hazards, 0);
  const int arrivals = core::poisson_from_uniform(in.constants.hazard_arrival_per_day, u[0]);
  std::int64_t retired = 0;
  for (std::int64_t h = 0; h < unit.hazards; h += 4) {  // each hazard retires independently
    const Uniforms r = in.rng.uniforms(entity, day, purpose_unit_hazards, 1 + static_cast<std::uint64_t>(h / 4));
    for (std::int64_t j = h; j < std::min(unit.hazards, h + 4); ++j) {
      if (r[static_cast<std::size_t>(j - h)] < in.constants.hazard_retire_prob) ++retired;
    }
  }
  unit.hazards += arrivals - retired;
  return seen;
}

/// Phase C for slots [begin, end): colleagues' events, slow dynamics, departures.
void adapt(ClinicianState& s, const UnitState& unit, const UnitDay& seen, const DayInputs& in, std::size_t begin,
           std::size_t end, OutputRow& row) {
  const Params& p = in.params;
  const Policy& pol = in.policy;
  const double vacancy_share =
      static_cast<double>(unit.vacancies) / static_cast<double>(std::max<std::size_t>(1, unit.establishment()));
  const double load = p.chronic_stress * (1.0 + p.vacancy_load * vacancy_share);
  const double friction = p.friction_push * static_cast<double>(unit.hazards);

  for (std::size_t i = begin; i < end; ++i) {
    if (!s.active[i]) continue;
    // 7. Witnessing severe harm beside them.
    const auto witnessed_severe = seen.severe - s.own_severe[i];
    s.distress[i] += p.delta_witness * static_cast<double>(witnessed_severe);

    // 13. Psychological safety: colleagues punished for honest mistakes teach fear; otherwise
    // beliefs drift towards what leadership says.
    const auto witnessed_punished = seen.punished_human - s.own_punished_human[i];
    if (witnessed_punished > 0) {
      s.psych_safety[i] *= std::pow(1.0 - p.witness_learn, static_cast<double>(witnessed_punished));
    } else if (!(s.day_flags[i] & day_reported)) {
      s.psych_safety[i] += p.safety_drift * (pol.stated_safety - s.psych_safety[i]);
    }
    // 12. Colleagues see fixes too.
    const auto witnessed_fixes = seen.fixes - s.own_fixes[i];
    if (witnessed_fixes > 0) {
      s.report_value[i] = 1.0 - (1.0 - s.report_value[i]) *
                                    std::pow(1.0 - p.feedback_witness, static_cast<double>(witnessed_fixes));
    }

    // 10. Burnout: the leaky roof of chronic load plus unrelieved distress.
    const double B = s.burnout[i];
    const double strain = std::max(0.0, s.distress[i] + load - p.burnout_threshold);
    s.burnout[i] = clamp01(B + p.burnout_gain * s.sensitivity[i] * strain * (1.0 - B) - p.burnout_recovery * B);

    // 11. Shortcuts drift towards the unit's norm and are pushed up by friction.
    s.shortcut[i] = clamp01(s.shortcut[i] + p.social_rate * (unit.mean_shortcut - s.shortcut[i]) + friction);
    s.psych_safety[i] = clamp01(s.psych_safety[i]);
    s.report_value[i] = clamp01(s.report_value[i]);

    // 14. An episode ends when distress falls below the recovery level.
    const bool leaves = s.day_flags[i] & (day_leaves_quit | day_leaves_dismissed);
    if (s.sv_in_episode[i]) {
      if (leaves) {
        add(row, Output::sv_dropping_out, 1.0);
        s.sv_in_episode[i] = 0;
      } else if (s.distress[i] < p.sv_recovery_level) {
        const std::uint8_t f = s.sv_flags[i];
        const bool thriving = (f & sv_consoled) && ((f & sv_fixed) || !(f & sv_punished));
        add(row, thriving ? Output::sv_thriving : Output::sv_surviving, 1.0);
        s.sv_in_episode[i] = 0;
      }
    }
    // 15. Departures leave a vacancy, refilled after hire_delay_days.
    if (leaves) {
      add(row, (s.day_flags[i] & day_leaves_dismissed) ? Output::dismissals : Output::quits, 1.0);
      add(row, Output::cost_turnover, p.replacement_cost[index(s.role[i])]);
      s.active[i] = 0;
      s.refill_day[i] = static_cast<std::int32_t>(in.day + 1 + static_cast<std::int64_t>(p.hire_delay_days));
      continue;
    }
    s.tenure_days[i] += 1;
  }
}

template <class Phase>
void run_chunked(const UnitState& unit, OutputRow& row, Phase&& phase) {
  const std::size_t n = unit.establishment();
  if (n <= kGrain) {
    phase(unit.begin, unit.end, row);
    return;
  }
  // Large units: chunks in parallel, each with its own accumulator, merged in chunk order.
  const std::size_t chunks = (n + kGrain - 1) / kGrain;
  std::vector<OutputRow> rows(chunks, OutputRow{});
  core::parallel_chunks(n, kGrain, [&](std::size_t b, std::size_t e) {
    phase(unit.begin + b, unit.begin + e, rows[b / kGrain]);
  });
  for (const auto& r : rows) {
    for (std::size_t o = 0; o < kOutputs; ++o) row[o] += r[o];
  }
}

}  // namespace

DayConstants DayConstants::make(const Params& params, const Policy& policy) {
  DayConstants k;
  const double alpha = params.alpha_base + params.alpha_support * policy.support_level;
  k.drain = std::exp(-alpha);
  k.moral_keep = std::exp(-params.moral_decay);
  for (std::size_t r = 0; r < kRoles; ++r) k.quit_per_day[r] = params.quit_rate[r] / 365.0;
  k.hazard_arrival_per_day = params.hazard_arrival_per_year / 365.0;
  k.hazard_retire_prob = -std::expm1(-params.hazard_retire_per_year / 365.0);
  k.support_cost_per_day = params.support_cost_per_clinician_year * policy.support_level / 365.0;
  for (std::size_t t = 0; t < kNoviceTableMax; ++t) {
    const double excess = params.novice_excess * std::exp(-static_cast<double>(t) / params.learning_days);
    if (excess < kNoviceNegligible) break;
    k.novice.push_back(excess);
  }
  return k;
}

double DayConstants::novice_excess(std::int32_t tenure, const Params& params) const {
  if (static_cast<std::size_t>(tenure) < novice.size()) return novice[static_cast<std::size_t>(tenure)];
  if (novice.size() < kNoviceTableMax) return 0.0;  // the table stops where the effect is negligible
  return params.novice_excess * std::exp(-static_cast<double>(tenure) / params.learning_days);
}

void init_clinician(ClinicianState& s, std::size_t slot, Role role, std::uint16_t unit, const Params& params,
                    const core::RandomStream& rng) {
  const Uniforms u = rng.uniforms(slot, 0, purpose_init);
  s.role[slot] = role;
  s.unit[slot] = unit;
  // Tenure of a workforce at steady state under a constant quit hazard: exponential, mean 1/rate.
  const double quit = params.quit_rate[index(role)];
  const double mean_days = quit > 0.0 ? 365.0 / quit : 40.0 * 365.0;
  s.tenure_days[slot] =
      static_cast<std::int32_t>(std::min(40.0 * 365.0, core::exponential_from_uniform(mean_days, u[3])));
  s.active[slot] = 1;
  s.refill_day[slot] = kNever;
  s.reckless[slot] = u[2] < params.reckless_fraction;
  s.sensitivity[slot] = sample_sensitivity(params, u[0], u[1]);
  s.distress[slot] = 0.0;
  s.moral_residue[slot] = 0.0;
  s.burnout[slot] = 0.0;
  s.shortcut[slot] = params.initial_shortcut;
  s.psych_safety[slot] = params.initial_psych_safety;
  s.report_value[slot] = params.initial_report_value;
  s.sv_in_episode[slot] = 0;
  s.sv_flags[slot] = 0;
  s.sv_start_day[slot] = kNever;
  s.sv_last_start_day[slot] = kNever;
  s.day_flags[slot] = 0;
  s.own_severe[slot] = 0;
  s.own_punished_human[slot] = 0;
  s.own_fixes[slot] = 0;
}

void refresh_unit_means(const ClinicianState& s, UnitState& unit) {
  double shortcut = 0.0, safety = 0.0, value = 0.0;
  std::int64_t headcount = 0;
  for (std::size_t i = unit.begin; i < unit.end; ++i) {
    if (!s.active[i]) continue;
    shortcut += s.shortcut[i];
    safety += s.psych_safety[i];
    value += s.report_value[i];
    ++headcount;
  }
  unit.headcount = headcount;
  unit.vacancies = static_cast<std::int64_t>(unit.establishment()) - headcount;
  if (headcount > 0) {
    unit.mean_shortcut = shortcut / static_cast<double>(headcount);
    unit.mean_safety = safety / static_cast<double>(headcount);
    unit.mean_value = value / static_cast<double>(headcount);
  }
}

void step_unit_day(ClinicianState& s, UnitState& unit, const DayInputs& in, OutputRow& period) {
  run_chunked(unit, period, [&](std::size_t b, std::size_t e, OutputRow& row) { act(s, unit, in, b, e, row); });
  const UnitDay seen = settle_unit(s, unit, in, period);
  run_chunked(unit, period,
              [&](std::size_t b, std::size_t e, OutputRow& row) { adapt(s, unit, seen, in, b, e, row); });
  refresh_unit_means(s, unit);
  // 16. Support costs accrue for every clinician on staff.
  add(period, Output::cost_support, in.constants.support_cost_per_day * static_cast<double>(unit.headcount));
}

}  // namespace culturesim
