#include "agents/hospital_state.hpp"

#include <cmath>
#include <limits>
#include <type_traits>

#include "core/errors.hpp"

namespace culturesim {
namespace {

// The unit fields that are state (the others follow from the hospital), in file order.
#define CULTURESIM_UNIT_STATE_FIELDS(X)                                                                 \
  X(hazards, "latent hazards of each unit")                                                             \
  X(quiet_days, "days since a human error was last punished in each unit")                              \
  X(mean_shortcut, "each unit's mean shortcut tendency at the end of the last day stepped")             \
  X(mean_safety, "each unit's mean psychological safety at the end of the last day stepped")            \
  X(mean_value, "each unit's mean belief in the value of reporting at the end of the last day stepped") \
  X(headcount, "clinicians on staff in each unit")                                                      \
  X(vacancies, "vacant posts in each unit")

constexpr std::size_t kWarmupValues = 2;  // days, settled

/// A value read back into a field of type T: exact, or InvalidValue naming the array.
template <class T>
T field_value(double v, const std::string& array) {
  if constexpr (std::is_floating_point_v<T>) {
    if (!std::isfinite(v)) throw InvalidValue("saved state: array '" + array + "' holds a value that is not finite");
    return static_cast<T>(v);
  } else {
    using I = plain_t<T>;
    if (!(v == std::floor(v)) || v < static_cast<double>(std::numeric_limits<I>::lowest()) ||
        v > static_cast<double>(std::numeric_limits<I>::max())) {
      throw InvalidValue("saved state: array '" + array + "' holds " + std::to_string(v) +
                         ", which is not a whole number its field can hold");
    }
    return static_cast<T>(static_cast<I>(v));
  }
}

}  // namespace

std::vector<StateArray> state_arrays(std::size_t clinicians, std::size_t units) {
  std::vector<StateArray> arrays{
      {"day", 1, "the next day to step, on the clock that random numbers and day fields count on"},
      {"warmup", kWarmupValues, "the warm-up before the state: its days, and 1 if it settled"}};
#define CULTURESIM_CLINICIAN_FIELD(name, type, kind, description) arrays.push_back({#name, clinicians, description});
#include "agents/clinician_fields.def"
#undef CULTURESIM_CLINICIAN_FIELD
#define X(name, description) arrays.push_back({"unit_" #name, units, description});
  CULTURESIM_UNIT_STATE_FIELDS(X)
#undef X
  return arrays;
}

std::vector<double> flatten_state(const HospitalState& state) {
  std::vector<double> out;
  out.push_back(static_cast<double>(state.day));
  out.push_back(static_cast<double>(state.warmup.days));
  out.push_back(state.warmup.settled ? 1.0 : 0.0);
  state.clinicians.for_each_field([&](const char*, const auto& field) {
    for (const auto& v : field) out.push_back(static_cast<double>(static_cast<plain_t<std::decay_t<decltype(v)>>>(v)));
  });
#define X(name, description) \
  for (const auto& u : state.units) out.push_back(static_cast<double>(u.name));
  CULTURESIM_UNIT_STATE_FIELDS(X)
#undef X
  return out;
}

HospitalState unflatten_state(std::span<const double> values, std::size_t clinicians, std::size_t units,
                              std::uint64_t seed, std::uint64_t replicate, std::uint32_t stream) {
  std::size_t expected = 0;
  for (const auto& a : state_arrays(clinicians, units)) expected += a.length;
  if (values.size() != expected) {
    throw InvalidValue("saved state: " + std::to_string(values.size()) + " values, expected " +
                       std::to_string(expected) + " for " + std::to_string(clinicians) + " clinician posts in " +
                       std::to_string(units) + " units");
  }
  HospitalState s;
  s.seed = seed;
  s.replicate = replicate;
  s.stream = stream;
  std::size_t at = 0;
  s.day = field_value<std::int64_t>(values[at++], "day");
  s.warmup.days = field_value<std::int64_t>(values[at++], "warmup");
  s.warmup.settled = field_value<std::uint8_t>(values[at++], "warmup") != 0;
  s.clinicians.resize(clinicians);
#define CULTURESIM_CLINICIAN_FIELD(name, type, kind, description) \
  for (auto& v : s.clinicians.name) v = field_value<type>(values[at++], #name);
#include "agents/clinician_fields.def"
#undef CULTURESIM_CLINICIAN_FIELD
  s.units.resize(units);
#define X(name, description) \
  for (auto& u : s.units) u.name = field_value<decltype(u.name)>(values[at++], "unit_" #name);
  CULTURESIM_UNIT_STATE_FIELDS(X)
#undef X
  return s;
}

}  // namespace culturesim
