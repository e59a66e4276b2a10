// The hot state of every clinician, as structure of arrays: one vector per field, one slot per
// post in the hospital's establishment (a slot is either a clinician on staff or a vacancy).
// Slots are grouped by unit, so a unit is a contiguous range [begin, end).
// The fields come from one table, agents/clinician_fields.def.
#pragma once
#include <cstdint>
#include <type_traits>
#include <vector>

#include "agents/categories.hpp"

namespace culturesim {

/// Bits of ClinicianState::sv_flags: what happened during the current second-victim episode.
enum SvFlag : std::uint8_t { sv_consoled = 1, sv_fixed = 2, sv_punished = 4 };
/// Bits of ClinicianState::day_flags: what happened to the clinician today (cleared each day).
enum DayFlag : std::uint8_t { day_reported = 1, day_leaves_quit = 2, day_leaves_dismissed = 4, day_hired = 8 };

inline constexpr std::int32_t kNever = -1'000'000'000;

/// A field's element type as stored in snapshots and handed to numpy: enums as their integer.
template <class T>
using plain_t = typename std::conditional_t<std::is_enum_v<T>, std::underlying_type<T>, std::type_identity<T>>::type;

struct ClinicianState {
#define CULTURESIM_CLINICIAN_FIELD(name, type, snapshot, description) std::vector<type> name;
#include "agents/clinician_fields.def"
#undef CULTURESIM_CLINICIAN_FIELD

  std::size_t size() const { return role.size(); }

  void resize(std::size_t n) {
#define CULTURESIM_CLINICIAN_FIELD(name, type, snapshot, description) name.resize(n);
#include "agents/clinician_fields.def"
#undef CULTURESIM_CLINICIAN_FIELD
  }

  /// Bytes of state per clinician slot (the performance budget is 256).
  static constexpr std::size_t bytes_per_clinician() {
    return 0
#define CULTURESIM_CLINICIAN_FIELD(name, type, snapshot, description) +sizeof(type)
#include "agents/clinician_fields.def"
#undef CULTURESIM_CLINICIAN_FIELD
        ;
  }

  /// Calls f(name, vector) for every field, in table order (memory accounting, tests).
  template <class F>
  void for_each_field(F&& f) const {
#define CULTURESIM_CLINICIAN_FIELD(name, type, snapshot, description) f(#name, name);
#include "agents/clinician_fields.def"
#undef CULTURESIM_CLINICIAN_FIELD
  }
};

/// A copy of a field with enums as their integer.
template <class T>
std::vector<plain_t<T>> plain_copy(const std::vector<T>& v) {
  if constexpr (std::is_same_v<T, plain_t<T>>) {
    return v;
  } else {
    std::vector<plain_t<T>> out(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) out[i] = static_cast<plain_t<T>>(v[i]);
    return out;
  }
}

/// Agent state at one moment (optional output, every snapshot_every days): the table's fields
/// marked `snapshot`, enums as their integer.
struct Snapshot {
  std::int64_t day = 0;
#define CULTURESIM_CLINICIAN_FIELD(name, type, kind, description) CULTURESIM_SNAPSHOT_MEMBER_##kind(name, type)
#define CULTURESIM_SNAPSHOT_MEMBER_snapshot(name, type) std::vector<plain_t<type>> name;
#define CULTURESIM_SNAPSHOT_MEMBER_hot(name, type)
#include "agents/clinician_fields.def"
#undef CULTURESIM_CLINICIAN_FIELD

  /// Copies the snapshot fields of `state` (taken on `day`).
  static Snapshot of(const ClinicianState& state, std::int64_t day);

  /// Calls f(name, vector) for every field, in table order (bindings, fingerprints).
  template <class F>
  void for_each_field(F&& f) const {
#define CULTURESIM_CLINICIAN_FIELD(name, type, kind, description) CULTURESIM_SNAPSHOT_VISIT_##kind(name)
#define CULTURESIM_SNAPSHOT_VISIT_snapshot(name) f(#name, name);
#define CULTURESIM_SNAPSHOT_VISIT_hot(name)
#include "agents/clinician_fields.def"
#undef CULTURESIM_CLINICIAN_FIELD
  }
};

inline Snapshot Snapshot::of(const ClinicianState& state, std::int64_t day) {
  Snapshot snap;
  snap.day = day;
#define CULTURESIM_CLINICIAN_FIELD(name, type, kind, description) CULTURESIM_SNAPSHOT_COPY_##kind(name)
#define CULTURESIM_SNAPSHOT_COPY_snapshot(name) snap.name = plain_copy(state.name);
#define CULTURESIM_SNAPSHOT_COPY_hot(name)
#include "agents/clinician_fields.def"
#undef CULTURESIM_CLINICIAN_FIELD
  return snap;
}

#undef CULTURESIM_SNAPSHOT_MEMBER_snapshot
#undef CULTURESIM_SNAPSHOT_MEMBER_hot
#undef CULTURESIM_SNAPSHOT_VISIT_snapshot
#undef CULTURESIM_SNAPSHOT_VISIT_hot
#undef CULTURESIM_SNAPSHOT_COPY_snapshot
#undef CULTURESIM_SNAPSHOT_COPY_hot

}  // namespace culturesim
