// The organisation's response to one known event: the Just Culture algorithm as the policy
// enacts it (classification, then console / coach / punish / discipline).
#pragma once
#include "agents/categories.hpp"
#include "agents/policy.hpp"

namespace culturesim {

/// How a policy classifies an event: correctly with classification_accuracy, otherwise by its
/// outcome (a harm event is judged as at-risk behaviour, a harmless one as human error).
Behaviour classify(Behaviour actual, Severity severity, const Policy& policy, double u);

/// Probability of punishing a judged human error or at-risk act:
/// base + outcome_bias * (severity_rank / 4) * (1 - base).
double punish_probability(Behaviour judged, Severity severity, const Policy& policy);

/// The response to a judged event, from three uniforms:
///   reckless  -> discipline (discipline_reckless), else treated as at-risk behaviour;
///   human     -> punish, else console (console_prob), else none;
///   at-risk   -> punish, else coach (coach_at_risk), else console, else none.
Response respond(Behaviour judged, Severity severity, const Policy& policy, double u_punish, double u_coach,
                 double u_console);

}  // namespace culturesim
