#include "experiments/scenario.hpp"

#include "core/errors.hpp"
#include "experiments/schema.hpp"
#include "experiments/sweep.hpp"

namespace culturesim {

void Scenario::validate() const {
  const std::string who = "scenario '" + name + "': ";
  if (name.empty()) throw InvalidValue("a scenario needs a non-empty name");
  if (name.find('\0') != std::string::npos) {
    throw InvalidValue("scenario name '" + name.substr(0, name.find('\0')) +
                       "...' contains a NUL character (\\0); allowed: printable text without '/'");
  }
  try {
    hospital.validate();
    params.validate();
    policy.validate();
    for (const auto& iv : interventions) iv.validate(hospital);
    check_coords(*this);
  } catch (const UnknownName& e) {
    throw UnknownName(who + e.what());
  } catch (const InvalidValue& e) {
    throw InvalidValue(who + e.what());
  }
}

Schedule Scenario::schedule() const { return compile_schedule(interventions, hospital, params, policy); }

std::string Scenario::to_toml() const { return dump_scenario(*this); }

RunResult run_scenario(const Scenario& scenario, const RunOptions& options, core::CancellationToken* cancel,
                       std::atomic<std::int64_t>* days_done) {
  scenario.validate();
  RunOptions o = options;
  o.stream = scenario.stream;
  Simulation sim(scenario.hospital, scenario.params, scenario.policy, std::move(o));
  return sim.run(scenario.schedule(), cancel, days_done);
}

}  // namespace culturesim
