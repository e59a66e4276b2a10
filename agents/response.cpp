#include "agents/response.hpp"

namespace culturesim {

Behaviour classify(Behaviour actual, Severity severity, const Policy& policy, double u) {
  if (u < policy.classification_accuracy) return actual;
  return is_harm(severity) ? Behaviour::at_risk : Behaviour::human_error;
}

double punish_probability(Behaviour judged, Severity severity, const Policy& policy) {
  const double base = judged == Behaviour::human_error ? policy.punish_human_error : policy.punish_at_risk;
  return base + policy.outcome_bias * (severity_rank(severity) / 4.0) * (1.0 - base);
}

Response respond(Behaviour judged, Severity severity, const Policy& policy, double u_punish, double u_coach,
                 double u_console) {
  if (judged == Behaviour::reckless) {
    if (u_punish < policy.discipline_reckless) return Response::discipline;
    // Not disciplined: handled like at-risk behaviour, with a fresh draw for punishment.
    judged = Behaviour::at_risk;
    u_punish = (u_punish - policy.discipline_reckless) / (1.0 - policy.discipline_reckless);
  }
  if (u_punish < punish_probability(judged, severity, policy)) return Response::punish;
  if (judged == Behaviour::at_risk && u_coach < policy.coach_at_risk) return Response::coach;
  if (u_console < policy.console_prob) return Response::console;
  return Response::none;
}

}  // namespace culturesim
