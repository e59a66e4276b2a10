#include "experiments/intervention.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <tuple>

#include "core/errors.hpp"

namespace culturesim {

Intervention Intervention::switch_policy(std::int64_t day, const Policy& policy, std::string label) {
  Intervention i;
  i.kind = Kind::set;
  i.day = day;
  i.policy = policy;
  i.label = std::move(label);
  return i;
}

Intervention Intervention::set_policy_fields(std::int64_t day, std::vector<PolicyOverride> fields, std::string label) {
  Intervention i;
  i.kind = Kind::set;
  i.day = day;
  i.policy_fields = std::move(fields);
  i.label = std::move(label);
  return i;
}

Intervention Intervention::set_params(std::int64_t day, std::vector<ParamOverride> params, std::string label) {
  Intervention i;
  i.kind = Kind::set;
  i.day = day;
  i.params = std::move(params);
  i.label = std::move(label);
  return i;
}

Intervention Intervention::ramp(std::int64_t day, double from_b, double to_b, std::int64_t days, std::int64_t step_days,
                                std::string label) {
  Intervention i;
  i.kind = Kind::ramp;
  i.day = day;
  i.ramp_from = from_b;
  i.ramp_to = to_b;
  i.ramp_days = days;
  i.ramp_step_days = step_days;
  i.label = std::move(label);
  return i;
}

Intervention Intervention::fix_friction(std::int64_t day, std::vector<std::string> units, std::string label) {
  Intervention i;
  i.kind = Kind::fix_friction;
  i.day = day;
  i.units = std::move(units);
  i.label = std::move(label);
  return i;
}

void Intervention::validate(const Hospital& hospital) const {
  const std::string who = "intervention '" + label + "'";
  if (day < 0) throw InvalidValue(who + ": day = " + std::to_string(day) + " must be 0 or later");
  try {
    if (policy) policy->validate();
    Policy probe;
    for (const auto& f : policy_fields) probe.set(f.field, f.value);
    Params probe_params;
    for (const auto& p : params) {
      probe_params.set(p.name, p.value, p.key);
      check_changes_during_run(parameter_spec(p.name));
    }
    for (const auto& u : units) hospital.unit_index(u);
  } catch (const UnknownName& e) {
    throw UnknownName(who + ": " + e.what());
  } catch (const InvalidValue& e) {
    throw InvalidValue(who + ": " + e.what());
  }
  if (kind == Kind::set && !policy && policy_fields.empty() && params.empty()) {
    throw InvalidValue(who + ": changes nothing; give a policy, policy fields or parameters to set");
  }
  if (kind == Kind::ramp) {
    for (double b : {ramp_from, ramp_to}) {
      if (!std::isfinite(b) || b < 0.0 || b > 1.0) {
        throw InvalidValue(who + ": ramp blame level " + std::to_string(b) + " is out of range; allowed 0 to 1");
      }
    }
    if (ramp_days < 1) throw InvalidValue(who + ": ramp_days = " + std::to_string(ramp_days) + " must be at least 1");
    if (ramp_step_days < 1) {
      throw InvalidValue(who + ": ramp_step_days = " + std::to_string(ramp_step_days) + " must be at least 1");
    }
    const std::int64_t steps = ramp_days / ramp_step_days + (ramp_days % ramp_step_days != 0 ? 1 : 0);
    if (steps > kMaxRampSteps) {
      throw InvalidValue(who + ": a ramp over " + std::to_string(ramp_days) + " days in steps of " +
                         std::to_string(ramp_step_days) + " days takes " + std::to_string(steps) +
                         " steps; allowed at most " + std::to_string(kMaxRampSteps) + ": use step_days of at least " +
                         std::to_string((ramp_days + kMaxRampSteps - 1) / kMaxRampSteps));
    }
  }
}

std::string Intervention::describe() const {
  std::ostringstream out;
  out << "day " << day << ": ";
  switch (kind) {
    case Kind::set:
      out << (policy ? "switch policy" : "set");
      for (const auto& f : policy_fields) out << " " << f.field << "=" << f.value;
      for (const auto& p : params) out << " " << p.name << (p.key.empty() ? "" : "[" + p.key + "]") << "=" << p.value;
      break;
    case Kind::ramp:
      out << "ramp blame " << ramp_from << " -> " << ramp_to << " over " << ramp_days << " days in steps of "
          << ramp_step_days;
      break;
    case Kind::fix_friction:
      out << "fix friction in " << (units.empty() ? std::string("all units") : "");
      for (std::size_t i = 0; i < units.size(); ++i) out << (i ? ", " : "") << units[i];
      break;
  }
  if (!label.empty()) out << " (" << label << ")";
  return out.str();
}

namespace {

/// One dated action of one intervention; sorted by (day, intervention order, step).
struct Action {
  std::int64_t day;
  std::size_t order;
  std::int64_t step;
  const Intervention* source;
  double ramp_b;  // for ramp steps
};

}  // namespace

Schedule compile_schedule(const std::vector<Intervention>& interventions, const Hospital& hospital,
                          const Params& params, const Policy& policy) {
  std::vector<Action> actions;
  for (std::size_t n = 0; n < interventions.size(); ++n) {
    const Intervention& iv = interventions[n];
    iv.validate(hospital);
    if (iv.kind != Intervention::Kind::ramp) {
      actions.push_back({iv.day, n, 0, &iv, 0.0});
      continue;
    }
    // Steps at day, day + step, ...; the last one lands exactly on the target at day + ramp_days.
    const std::int64_t steps = (iv.ramp_days + iv.ramp_step_days - 1) / iv.ramp_step_days;
    for (std::int64_t k = 0; k <= steps; ++k) {
      const std::int64_t offset = std::min(k * iv.ramp_step_days, iv.ramp_days);
      const double t = static_cast<double>(offset) / static_cast<double>(iv.ramp_days);
      // from + 1 * (to - from) can miss `to` by an ulp (0.6 -> 0.1 gives 0.09999999999999998), so
      // the last step takes the target itself.
      const double b = offset == iv.ramp_days ? iv.ramp_to : iv.ramp_from + t * (iv.ramp_to - iv.ramp_from);
      actions.push_back({iv.day + offset, n, k, &iv, b});
    }
  }
  std::stable_sort(actions.begin(), actions.end(), [](const Action& a, const Action& b) {
    return std::tie(a.day, a.order, a.step) < std::tie(b.day, b.order, b.step);
  });

  Schedule schedule;
  Params current_params = params;
  Policy current_policy = policy;
  for (const Action& a : actions) {
    const Intervention& iv = *a.source;
    if (schedule.empty() || schedule.back().day != a.day) {
      schedule.push_back(ScheduledChange{a.day, std::nullopt, std::nullopt, {}, iv.label});
    } else {
      schedule.back().label += "; " + iv.label;
    }
    ScheduledChange& change = schedule.back();
    switch (iv.kind) {
      case Intervention::Kind::set:
        if (iv.policy) current_policy = *iv.policy;
        for (const auto& f : iv.policy_fields) current_policy.set(f.field, f.value);
        for (const auto& p : iv.params) current_params.set(p.name, p.value, p.key);
        if (iv.policy || !iv.policy_fields.empty()) change.policy = current_policy;
        if (!iv.params.empty()) {
          // Each value was range-checked by validate(); the set as a whole (severity_probs summing
          // to 1, sv_recovery_level <= sv_threshold) only here, so name the intervention too.
          try {
            current_params.validate();
          } catch (const InvalidValue& e) {
            throw InvalidValue("intervention '" + iv.label + "': " + e.what());
          }
          change.params = current_params;
        }
        break;
      case Intervention::Kind::ramp:
        current_policy = Policy::from_blame(a.ramp_b);
        change.policy = current_policy;
        break;
      case Intervention::Kind::fix_friction:
        if (iv.units.empty()) {
          for (std::size_t u = 0; u < hospital.units.size(); ++u) change.clear_hazards_units.push_back(u);
        } else {
          for (const auto& name : iv.units) change.clear_hazards_units.push_back(hospital.unit_index(name));
        }
        break;
    }
  }
  return schedule;
}

}  // namespace culturesim
