#include "agents/daily_step.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

#include "agents/random_purposes.hpp"
#include "agents/response.hpp"
#include "core/clock.hpp"
#include "core/distributions.hpp"
#include "core/parallel.hpp"

namespace culturesim {
namespace {

using core::Uniforms;

constexpr std::size_t kGrain = 4096;  // slots per parallel chunk: small units run inline
constexpr double kNoviceNegligible = 1e-9;
constexpr std::size_t kNoviceTableMax = 1 << 16;

/// x < 0 ? 0 : (x > 1 ? 1 : x), written so that it compiles to maxsd/minsd without branches
/// (std::max(x, 0.0) is x < 0.0 ? 0.0 : x, std::min(y, 1.0) is 1.0 < y ? 1.0 : y: the same
/// values, NaN and -0.0 included).
inline double clamp01(double x) { return std::min(std::max(x, 0.0), 1.0); }
/// std::pow(x, y), skipping the call for the default exponent 1: pow(x, 1) is x exactly (glibc's
/// pow is accurate to well under one ulp and x is representable; benchmarks/bench_fingerprint
/// checks it for every power of two in [0, 1] and a few million other values).
inline double pow_or_same(double x, double y) { return y == 1.0 ? x : std::pow(x, y); }

/// a && b as one branch on a value computed without branches: for two conditions that are each
/// unpredictable (a coin flip per clinician) while both hold rarely. The empty asm only stops the
/// compiler from splitting the test back into two branches; it changes no value.
inline bool both(bool a, bool b) {
  unsigned v = static_cast<unsigned>(a) & static_cast<unsigned>(b);
  asm("" : "+r"(v));
  return v != 0;
}
/// c ? a : b without a branch (for conditions too random to predict): picks one of the two values
/// bit for bit, so it is exactly the ternary.
inline double select(bool c, double a, double b) {
  const std::uint64_t mask = std::uint64_t{0} - static_cast<std::uint64_t>(c);
  return std::bit_cast<double>((std::bit_cast<std::uint64_t>(a) & mask) | (std::bit_cast<std::uint64_t>(b) & ~mask));
}
inline void add(OutputRow& row, Output o, double v) { row[static_cast<std::size_t>(o)] += v; }
inline std::uint8_t saturating_inc(std::uint8_t x) { return x == 255 ? x : static_cast<std::uint8_t>(x + 1); }

double sample_sensitivity(const Params& p, double u1, double u2) {
  return core::lognormal_mean_sd(1.0, p.sensitivity_sd, u1, u2);
}
/// The clinician's own job demands (shifts, hours, patient load): block 1 of the trait draws.
double sample_job_demand(const Params& p, const Uniforms& u) {
  return core::lognormal_mean_sd(1.0, p.job_demand_sd, u[0], u[1]);
}

/// A new hire takes a vacant slot: tenure 0, no distress, burnout or residue, the new-hire
/// shortcut share, and the unit's mean beliefs (they learn the local culture from colleagues).
void hire(ClinicianState& s, std::size_t i, const UnitState& unit, const DayInputs& in) {
  const Uniforms u = in.rng.uniforms(i, static_cast<std::uint64_t>(in.day), purpose_hire);
  s.active[i] = 1;
  s.tenure_days[i] = 0;
  s.sensitivity[i] = sample_sensitivity(in.params, u[0], u[1]);
  s.reckless[i] = u[2] < in.params.reckless_fraction;
  s.job_demand[i] =
      sample_job_demand(in.params, in.rng.uniforms(i, static_cast<std::uint64_t>(in.day), purpose_hire, 1));
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
  s.sv_last_end_day[i] = kNever;
  s.day_flags[i] |= day_hired;
}

/// Everything that follows one error of the clinician in slot i (steps 3 to 9 and 12 to 14).
/// The four Philox blocks of one event (index base .. base + 3 of its purpose), drawn when first
/// needed: most events are never reported or detected and do no harm, so they need only the
/// first. A counter-based draw is the same number whenever it is made.
struct EventDraws {
  const core::RandomStream& rng;
  std::uint64_t entity, day, purpose, base;
  Uniforms block(std::uint64_t k) const { return rng.uniforms(entity, day, purpose, base + k); }
};

void handle_error(ClinicianState& s, std::size_t i, Behaviour behaviour, const EventDraws& draws, const DayInputs& in,
                  OutputRow& row) {
  const Params& p = in.params;
  const Policy& pol = in.policy;
  const Uniforms a = draws.block(0);

  // 3. Severity.
  const auto severity = static_cast<Severity>(core::categorical_from_uniform(p.severity_probs, a[1]));
  const bool harm = is_harm(severity);
  add(row,
      behaviour == Behaviour::human_error ? Output::errors_human
      : behaviour == Behaviour::at_risk   ? Output::errors_at_risk
                                          : Output::errors_reckless,
      1.0);
  static constexpr Output kSeverityOutput[] = {Output::near_misses, Output::errors_no_harm, Output::harm_mild,
                                               Output::harm_moderate, Output::harm_severe};
  add(row, kSeverityOutput[index(severity)], 1.0);
  // Per-post counters for analyses by role and trait (snapshots); uint16 wraps, differences stay exact.
  s.errors[i] = static_cast<std::uint16_t>(s.errors[i] + 1);
  if (severity >= Severity::moderate) s.major_errors[i] = static_cast<std::uint16_t>(s.major_errors[i] + 1);

  // 4. Reporting: fear (P) and futility (U) both silence it; detection is independent.
  const double report_p =
      clamp01(p.report_max * pow_or_same(s.psych_safety[i], p.report_safety_power) *
              pow_or_same(s.report_value[i], p.report_value_power) * p.report_severity_mult[index(severity)]);
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
  const bool known = reported || detected;
  const Uniforms b = known ? draws.block(1) : Uniforms{};
  const Uniforms c = known || harm ? draws.block(2) : Uniforms{};
  if (known) {
    const Behaviour judged = classify(behaviour, severity, pol, b[0]);
    if (judged != behaviour) add(row, Output::misclassified, 1.0);
    response = respond(judged, severity, pol, b[1], b[2], b[3]);
    static constexpr Output kResponseOutput[] = {Output::console, Output::console, Output::coach, Output::punish,
                                                 Output::discipline};
    if (response != Response::none) add(row, kResponseOutput[index(response)], 1.0);
    if (response == Response::coach) add(row, Output::cost_coaching, p.coach_cost);
    if (c[0] < pol.systems_rca) {
      add(row, Output::rca, 1.0);
      add(row, Output::cost_rca, p.rca_cost[index(severity)]);
      // An analysis changes the system with fix_prob; the change removes one of the unit's latent
      // hazards if it has any left (phase B, never below zero). The reporter hears of the fix either way.
      fixed = c[1] < p.fix_prob;
      if (fixed) {
        s.own_fixes[i] = saturating_inc(s.own_fixes[i]);
        add(row, Output::fixes, 1.0);
      }
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

/// What colleagues saw of each other's events today: integer sums, so exact in any order.
struct UnitDay {
  std::int64_t severe = 0;
  std::int64_t punished_human = 0;
  std::int64_t fixes = 0;
};

/// Phase A for slots [begin, end) of the unit. Returns the sums of their own_* fields.
///
/// Written for speed without changing a single number: the hot fields and constants are read
/// through local pointers and copies (a store to a byte-sized field may alias anything, which
/// would otherwise force the compiler to reload every vector's data pointer and every parameter
/// after it), and the day's main Philox block of a batch of slots is drawn before the slots act
/// (independent blocks overlap in the pipeline; the counters, so the numbers, are the same).
UnitDay act(ClinicianState& s, const UnitState& unit, const DayInputs& in, std::size_t begin, std::size_t end,
            OutputRow& row) {
  const Params& p = in.params;
  const DayConstants& k = in.constants;
  const auto day = static_cast<std::uint64_t>(in.day);
  const double hazard_factor = 1.0 + p.hazard_effect * static_cast<double>(unit.hazards);
  // Out of an episode; in one; in one and consoled in it (index: in episode + consoled in it).
  const double drain[3] = {k.drain, k.drain_episode, k.drain_consoled};
  const std::uint8_t* const sv_flags = s.sv_flags.data();
  const double moral_keep = k.moral_keep;
  const double distress_effect = p.distress_effect, burnout_effect = p.burnout_effect;
  const double shortcut_risk = p.shortcut_risk, reckless_act_rate = p.reckless_act_rate;
  const double reinforce = p.reinforce, quit_burnout = p.quit_burnout, sv_dropout_rate = p.sv_dropout_rate;
  const ByRole base_error_rate = p.base_error_rate;
  const ByRole quit_per_day = k.quit_per_day;
  const double dropout[2] = {0.0, sv_dropout_rate};  // extra quit hazard out of / in an episode
  const double* const novice = k.novice.data();
  const std::size_t novice_days = k.novice.size();
  const bool novice_lookup = novice_days > 0 && novice_days < kNoviceTableMax;  // 0 beyond the table
  const std::size_t novice_last = novice_lookup ? novice_days - 1 : 0;

  std::uint8_t* const day_flags = s.day_flags.data();
  std::uint8_t* const own_severe = s.own_severe.data();
  std::uint8_t* const own_punished_human = s.own_punished_human.data();
  std::uint8_t* const own_fixes = s.own_fixes.data();
  const std::uint8_t* const active = s.active.data();
  const std::int32_t* const refill_day = s.refill_day.data();
  const Role* const role = s.role.data();
  const std::int32_t* const tenure_days = s.tenure_days.data();
  const std::uint8_t* const reckless = s.reckless.data();
  const std::uint8_t* const sv_in_episode = s.sv_in_episode.data();
  double* const distress = s.distress.data();
  double* const moral_residue = s.moral_residue.data();
  double* const shortcut = s.shortcut.data();
  const double* const burnout = s.burnout.data();

  UnitDay seen;
  constexpr std::size_t kBatch = 32;
  Uniforms daily[kBatch];
  for (std::size_t first = begin; first < end; first += kBatch) {
    const std::size_t last = std::min(end, first + kBatch);
    for (std::size_t i = first; i < last; ++i) daily[i - first] = in.rng.uniforms(i, day, purpose_daily);

    for (std::size_t i = first; i < last; ++i) {
      day_flags[i] = 0;
      own_severe[i] = 0;
      own_punished_human[i] = 0;
      own_fixes[i] = 0;
      if (!active[i]) {
        if (in.day < refill_day[i]) continue;
        hire(s, i, unit, in);
        add(row, Output::hires, 1.0);
      }
      // 7 (first half). The bucket drains before the day's events; residue decays slowly.
      distress[i] *= drain[(sv_in_episode[i] != 0) + ((sv_in_episode[i] != 0) & ((sv_flags[i] & sv_consoled) != 0))];
      moral_residue[i] *= moral_keep;

      // 1. Error hazard: role, novice, latent hazards, distress (saturating) and burnout.
      const double D = distress[i];
      const double S = shortcut[i];
      const std::int32_t tenure = tenure_days[i];
      // Inside the table, or past it where the effect is 0 (branch-free: tenure is as likely
      // to be on either side); only a table cut at its cap needs the exact formula beyond it.
      const auto t = static_cast<std::size_t>(tenure);
      const double novice_excess = novice_lookup ? select(t < novice_days, novice[std::min(t, novice_last)], 0.0)
                                                 : (t < novice_days ? novice[t] : k.novice_excess(tenure, p));
      const double lambda = base_error_rate[index(role[i])] * (1.0 + novice_excess) * hazard_factor *
                            (1.0 + distress_effect * D / (1.0 + D) + burnout_effect * burnout[i]);
      // 2. A share S of the work is done by shortcut, where the hazard is shortcut_risk times higher.
      const double lambda_human = lambda * (1.0 - S);
      const double lambda_at_risk = lambda * S * shortcut_risk;
      const double lambda_total = lambda_human + lambda_at_risk;

      const Uniforms& u = daily[i - first];
      const int errors = core::poisson_from_uniform(lambda_total, u[0]);
      const int reckless_acts = reckless[i] ? core::poisson_from_uniform(reckless_act_rate, u[3]) : 0;
      int incidents = 0;
      for (int e = 0; e < errors; ++e) {
        const EventDraws draws{in.rng, i, day, purpose_error_event, 4 * static_cast<std::uint64_t>(e)};
        // The error fell on shortcut work with probability lambda_at_risk / lambda_total.
        const Behaviour behaviour =
            draws.block(3)[0] * lambda_total < lambda_at_risk ? Behaviour::at_risk : Behaviour::human_error;
        handle_error(s, i, behaviour, draws, in, row);
        ++incidents;
      }
      for (int r = 0; r < reckless_acts; ++r) {
        const EventDraws draws{in.rng, i, day, purpose_reckless_event, 4 * static_cast<std::uint64_t>(r)};
        if (draws.block(3)[0] >= p.reckless_error_prob) continue;  // a reckless act that did no harm goes unseen
        handle_error(s, i, Behaviour::reckless, draws, in, row);
        ++incidents;
      }
      // 11 (reinforcement). A shortcut day that went well makes the shortcut more tempting.
      // (A select, not a branch: u[1] < S is a coin flip no branch predictor can learn.)
      const double S_now = shortcut[i];
      const double S_reinforced = std::min(1.0, S_now + reinforce);
      shortcut[i] = select((incidents == 0) & (u[1] < S_now), S_reinforced, S_now);

      // 15 (decision). Quit hazard, raised by burnout and by an ongoing second-victim episode.
      const double quit_hazard =
          quit_per_day[index(role[i])] * (1.0 + quit_burnout * burnout[i]) + dropout[sv_in_episode[i] != 0];
      if (core::event_from_hazard(quit_hazard, u[2])) day_flags[i] |= day_leaves_quit;  // u < 1 - exp(-h)

      if (incidents > 0) {  // own_* stay 0 on a day without incidents
        seen.severe += own_severe[i];
        seen.punished_human += own_punished_human[i];
        seen.fixes += own_fixes[i];
      }
    }
  }
  return seen;
}

/// What a unit's clinicians saw of each other's events today (sums of the own_* fields).
UnitDay count_seen(const ClinicianState& s, const UnitState& unit) {
  UnitDay seen;
  for (std::size_t i = unit.begin; i < unit.end; ++i) {
    seen.severe += s.own_severe[i];
    seen.punished_human += s.own_punished_human[i];
    seen.fixes += s.own_fixes[i];
  }
  return seen;
}

/// Phase B: the unit's hazards, given what it saw today. Serial.
void settle_unit(UnitState& unit, const UnitDay& seen, const DayInputs& in) {
  // 13 (memory). Leadership's words count only where no colleague was punished for an honest
  // mistake for a while.
  unit.quiet_days = seen.punished_human > 0 ? 0 : unit.quiet_days + 1;
  // 6. Fixes remove hazards (never below zero); new ones arrive, old ones retire.
  unit.hazards -= std::min(seen.fixes, unit.hazards);

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
}

/// Sums over the clinicians on staff after phase C, in slot order (the unit's means, phase D).
struct StaffSums {
  double shortcut = 0.0, safety = 0.0, value = 0.0;
  std::int64_t headcount = 0;
};

void set_unit_means(UnitState& unit, const StaffSums& sums) {
  unit.headcount = sums.headcount;
  unit.vacancies = static_cast<std::int64_t>(unit.establishment()) - sums.headcount;
  if (sums.headcount > 0) {
    unit.mean_shortcut = sums.shortcut / static_cast<double>(sums.headcount);
    unit.mean_safety = sums.safety / static_cast<double>(sums.headcount);
    unit.mean_value = sums.value / static_cast<double>(sums.headcount);
  }
}

/// Phase C for slots [begin, end): colleagues' events, slow dynamics, departures. Returns the
/// sums of phase D over [begin, end) (those who stay), so a unit stepped in one piece needs no
/// second pass; the sums are taken in slot order, exactly as refresh_unit_means takes them.
/// Fields and constants are read through locals for the same reason as in act().
StaffSums adapt(ClinicianState& s, const UnitState& unit, const UnitDay& seen, const DayInputs& in, std::size_t begin,
                std::size_t end, OutputRow& row) {
  const Params& p = in.params;
  const Policy& pol = in.policy;
  const double vacancy_share =
      static_cast<double>(unit.vacancies) / static_cast<double>(std::max<std::size_t>(1, unit.establishment()));
  // 10. The job's strain: the unit's workload and staffing; each clinician's role and own demands scale it.
  const double unit_load = p.chronic_stress * unit.workload * (1.0 + p.vacancy_load * vacancy_share);
  ByRole role_load{};
  for (std::size_t r = 0; r < kRoles; ++r) role_load[r] = unit_load * p.role_workload[r];
  const double friction = p.friction_push * static_cast<double>(unit.hazards);
  // Most colleagues witnessed everything the unit saw today (they had no own event), so the
  // powers for the unit's counts are computed once; std::pow is a pure function, so reusing its
  // value changes nothing.
  const double safety_keep = 1.0 - p.witness_learn;
  const double value_keep = 1.0 - p.feedback_witness;
  const double safety_keep_seen =
      seen.punished_human > 0 ? std::pow(safety_keep, static_cast<double>(seen.punished_human)) : 1.0;
  const double value_keep_seen = seen.fixes > 0 ? std::pow(value_keep, static_cast<double>(seen.fixes)) : 1.0;
  const double delta_witness = p.delta_witness, safety_drift = p.safety_drift, stated_safety = pol.stated_safety;
  const double burnout_threshold = p.burnout_threshold, burnout_gain = p.burnout_gain;
  const double culture_strain = p.culture_strain, inv_distress_cap = 1.0 / p.burnout_distress_cap;
  const double burnout_recovery = p.burnout_recovery, social_rate = p.social_rate;
  const double mean_shortcut = unit.mean_shortcut, sv_recovery_level = p.sv_recovery_level;
  const std::int64_t seen_severe = seen.severe, seen_punished = seen.punished_human, seen_fixes = seen.fixes;

  std::uint8_t* const active = s.active.data();
  const std::uint8_t* const own_severe = s.own_severe.data();
  const std::uint8_t* const own_punished_human = s.own_punished_human.data();
  const std::uint8_t* const own_fixes = s.own_fixes.data();
  const std::uint8_t* const day_flags = s.day_flags.data();
  std::uint8_t* const sv_in_episode = s.sv_in_episode.data();
  const std::uint8_t* const sv_flags = s.sv_flags.data();
  const double* const sensitivity = s.sensitivity.data();
  const double* const job_demand = s.job_demand.data();
  const Role* const role = s.role.data();
  double* const distress = s.distress.data();
  double* const psych_safety = s.psych_safety.data();
  double* const report_value = s.report_value.data();
  double* const burnout = s.burnout.data();
  double* const shortcut = s.shortcut.data();
  std::int32_t* const tenure_days = s.tenure_days.data();

  // Beliefs drift towards stated_safety only after safety_memory_days without a punished human error.
  const bool leadership_believed = unit.quiet_days > static_cast<std::int64_t>(p.safety_memory_days);
  StaffSums sums;
  for (std::size_t i = begin; i < end; ++i) {
    if (!active[i]) continue;
    // 7. Witnessing severe harm beside them.
    const auto witnessed_severe = seen_severe - own_severe[i];
    double D = distress[i] + delta_witness * static_cast<double>(witnessed_severe);
    distress[i] = D;

    // 13. Psychological safety: colleagues punished for honest mistakes teach fear; otherwise
    // beliefs drift towards what leadership says.
    double P = psych_safety[i];
    const auto witnessed_punished = seen_punished - own_punished_human[i];
    if (witnessed_punished > 0) {
      P *= witnessed_punished == seen_punished ? safety_keep_seen
                                               : std::pow(safety_keep, static_cast<double>(witnessed_punished));
    } else if (!(day_flags[i] & day_reported) && leadership_believed) {
      P += safety_drift * (stated_safety - P);
    }
    // 12. Colleagues see fixes too.
    double U = report_value[i];
    const auto witnessed_fixes = seen_fixes - own_fixes[i];
    if (witnessed_fixes > 0) {
      const double keep =
          witnessed_fixes == seen_fixes ? value_keep_seen : std::pow(value_keep, static_cast<double>(witnessed_fixes));
      U = 1.0 - (1.0 - U) * keep;
    }

    P = clamp01(P);
    U = clamp01(U);

    // 10. Burnout: the leaky roof. Mostly the job (the unit's workload, the role, the clinician's own
    // demands), plus the culture (working where speaking up feels unsafe) and unrelieved acute
    // distress, which saturates: a Just Culture removes the culture's share, not the job's.
    const double B = burnout[i];
    const double strain = std::max(0.0, role_load[index(role[i])] * job_demand[i] + culture_strain * (1.0 - P) +
                                            D / (1.0 + D * inv_distress_cap) - burnout_threshold);
    burnout[i] = clamp01(B + burnout_gain * sensitivity[i] * strain * (1.0 - B) - burnout_recovery * B);

    // 11. Shortcuts drift towards the unit's norm and are pushed up by friction.
    const double S = shortcut[i];
    const double S_new = clamp01(S + social_rate * (mean_shortcut - S) + friction);
    shortcut[i] = S_new;
    psych_safety[i] = P;
    report_value[i] = U;

    // 14. An episode ends when distress falls below the recovery level.
    const std::uint8_t flags = day_flags[i];
    const bool leaves = flags & (day_leaves_quit | day_leaves_dismissed);
    // (The rare condition first: a test of sv_in_episode alone would be a coin flip to predict.)
    if (in.day - s.sv_start_day[i] == core::kDaysPerYear && sv_in_episode[i]) {
      add(row, Output::sv_unrecovered_year, 1.0);  // still a second victim 12 months on
    }
    // (Being in an episode is too common to predict; its ending is rare.)
    if (both(sv_in_episode[i] != 0, leaves | (D < sv_recovery_level))) {
      if (leaves) {
        add(row, Output::sv_dropping_out, 1.0);
        sv_in_episode[i] = 0;
        s.sv_last_end_day[i] = static_cast<std::int32_t>(in.day);
      } else if (D < sv_recovery_level) {
        const std::uint8_t f = sv_flags[i];
        const bool thriving = (f & sv_consoled) && ((f & sv_fixed) || !(f & sv_punished));
        add(row, thriving ? Output::sv_thriving : Output::sv_surviving, 1.0);
        sv_in_episode[i] = 0;
        s.sv_last_end_day[i] = static_cast<std::int32_t>(in.day);
      }
    }
    // 15. Departures leave a vacancy, refilled after hire_delay_days.
    if (leaves) {
      add(row, (flags & day_leaves_dismissed) ? Output::dismissals : Output::quits, 1.0);
      add(row, Output::cost_turnover, p.replacement_cost[index(s.role[i])]);
      active[i] = 0;
      if (s.departures[i] < 65535) ++s.departures[i];
      s.refill_day[i] = static_cast<std::int32_t>(in.day + 1 + static_cast<std::int64_t>(p.hire_delay_days));
      continue;
    }
    tenure_days[i] += 1;
    // D. Tomorrow's unit means: those on staff, in slot order.
    sums.shortcut += S_new;
    sums.safety += P;
    sums.value += U;
    ++sums.headcount;
  }
  return sums;
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
  core::parallel_chunks(n, kGrain,
                        [&](std::size_t b, std::size_t e) { phase(unit.begin + b, unit.begin + e, rows[b / kGrain]); });
  for (const auto& r : rows) {
    for (std::size_t o = 0; o < kOutputs; ++o) row[o] += r[o];
  }
}

}  // namespace

DayConstants DayConstants::make(const Params& params, const Policy& policy) {
  DayConstants k;
  const double alpha = params.alpha_base + params.alpha_support * policy.support_level;
  k.drain = std::exp(-params.alpha_base);
  k.drain_episode = std::exp(-alpha);
  k.drain_consoled =
      std::exp(-(params.alpha_base + params.alpha_support * std::max(policy.support_level, params.console_support)));
  k.moral_keep = std::exp(-params.moral_decay);
  for (std::size_t r = 0; r < kRoles; ++r) k.quit_per_day[r] = params.quit_rate[r] / core::kDaysPerYear;
  k.hazard_arrival_per_day = params.hazard_arrival_per_year / core::kDaysPerYear;
  k.hazard_retire_prob = -std::expm1(-params.hazard_retire_per_year / core::kDaysPerYear);
  k.support_cost_per_day = params.support_cost_per_clinician_year * policy.support_level / core::kDaysPerYear;
  k.training_cost_per_day = params.training_cost_per_clinician_year * policy.training_level / core::kDaysPerYear;
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
  const double mean_days = quit > 0.0 ? core::kDaysPerYear / quit : 40.0 * core::kDaysPerYear;
  s.tenure_days[slot] =
      static_cast<std::int32_t>(std::min(40.0 * core::kDaysPerYear, core::exponential_from_uniform(mean_days, u[3])));
  s.active[slot] = 1;
  s.refill_day[slot] = kNever;
  s.reckless[slot] = u[2] < params.reckless_fraction;
  s.sensitivity[slot] = sample_sensitivity(params, u[0], u[1]);
  s.job_demand[slot] = sample_job_demand(params, rng.uniforms(slot, 0, purpose_init, 1));
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
  s.sv_last_end_day[slot] = kNever;
  s.departures[slot] = 0;
  s.errors[slot] = 0;
  s.major_errors[slot] = 0;
  s.day_flags[slot] = 0;
  s.own_severe[slot] = 0;
  s.own_punished_human[slot] = 0;
  s.own_fixes[slot] = 0;
}

void refresh_unit_means(const ClinicianState& s, UnitState& unit) {
  StaffSums sums;
  for (std::size_t i = unit.begin; i < unit.end; ++i) {
    if (!s.active[i]) continue;
    sums.shortcut += s.shortcut[i];
    sums.safety += s.psych_safety[i];
    sums.value += s.report_value[i];
    ++sums.headcount;
  }
  set_unit_means(unit, sums);
}

void step_unit_day(ClinicianState& s, UnitState& unit, const DayInputs& in, OutputRow& period) {
  if (unit.establishment() <= kGrain) {
    // One piece (every unit of a hospital of usual size): each phase hands the next the sums it
    // needs, taken in the same order as the separate passes below, so no extra pass over the unit.
    const UnitDay seen = act(s, unit, in, unit.begin, unit.end, period);
    settle_unit(unit, seen, in);
    set_unit_means(unit, adapt(s, unit, seen, in, unit.begin, unit.end, period));
  } else {
    // A large unit: chunks in parallel, then the sums in their own passes.
    run_chunked(unit, period, [&](std::size_t b, std::size_t e, OutputRow& row) { act(s, unit, in, b, e, row); });
    const UnitDay seen = count_seen(s, unit);
    settle_unit(unit, seen, in);
    run_chunked(unit, period,
                [&](std::size_t b, std::size_t e, OutputRow& row) { adapt(s, unit, seen, in, b, e, row); });
    refresh_unit_means(s, unit);
  }
  // 16. Support costs accrue for every clinician on staff.
  add(period, Output::cost_support, in.constants.support_cost_per_day * static_cast<double>(unit.headcount));
  add(period, Output::cost_training, in.constants.training_cost_per_day * static_cast<double>(unit.headcount));
}

void step_unit_day_by_role(ClinicianState& s, UnitState& unit, const DayInputs& in, RoleRows& by_role) {
  // Slots keep their role for life (hires refill a post), so each run of equal roles is a range.
  auto each_role_run = [&](auto&& phase) {
    for (std::size_t b = unit.begin; b < unit.end;) {
      std::size_t e = b + 1;
      while (e < unit.end && s.role[e] == s.role[b]) ++e;
      phase(b, e, by_role[index(s.role[b])]);
      b = e;
    }
  };
  each_role_run([&](std::size_t b, std::size_t e, OutputRow& row) { act(s, unit, in, b, e, row); });
  const UnitDay seen = count_seen(s, unit);
  settle_unit(unit, seen, in);
  each_role_run([&](std::size_t b, std::size_t e, OutputRow& row) { adapt(s, unit, seen, in, b, e, row); });
  refresh_unit_means(s, unit);
  // 16. Support and training costs accrue for every clinician on staff, here by role.
  std::array<std::int64_t, kRoles> heads{};
  for (std::size_t i = unit.begin; i < unit.end; ++i) heads[index(s.role[i])] += s.active[i] ? 1 : 0;
  for (std::size_t r = 0; r < kRoles; ++r) {
    add(by_role[r], Output::cost_support, in.constants.support_cost_per_day * static_cast<double>(heads[r]));
    add(by_role[r], Output::cost_training, in.constants.training_cost_per_day * static_cast<double>(heads[r]));
  }
}

}  // namespace culturesim
