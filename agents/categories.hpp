// The model's categorical dimensions: roles, severities, organisational responses, behaviour
// classes and disclosure outcomes. Keyed parameters (per role, per severity, ...) are arrays
// indexed by these enums, never suffixed names.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace culturesim {

// Roles are extendable: add a name here and a value to every per-role parameter.
enum class Role : std::uint8_t { nurse, resident, attending, pharmacist };
inline constexpr std::array<std::string_view, 4> kRoleNames{"nurse", "resident", "attending", "pharmacist"};

enum class Severity : std::uint8_t { near_miss, no_harm, mild, moderate, severe };
inline constexpr std::array<std::string_view, 5> kSeverityNames{"near_miss", "no_harm", "mild", "moderate", "severe"};
/// Harm means mild or worse: then the patient is a first victim.
constexpr bool is_harm(Severity s) { return s >= Severity::mild; }
/// Severity rank 0 (near miss) to 4 (severe), as used by outcome bias.
constexpr int severity_rank(Severity s) { return static_cast<int>(s); }

enum class Response : std::uint8_t { none, console, coach, punish, discipline };
inline constexpr std::array<std::string_view, 5> kResponseNames{"none", "console", "coach", "punish", "discipline"};
constexpr bool is_punitive(Response r) { return r == Response::punish || r == Response::discipline; }

/// The three behaviours of the Just Culture algorithm.
enum class Behaviour : std::uint8_t { human_error, at_risk, reckless };
inline constexpr std::array<std::string_view, 3> kBehaviourNames{"human_error", "at_risk", "reckless"};

enum class Disclosure : std::uint8_t { empathic, defensive, concealed };
inline constexpr std::array<std::string_view, 3> kDisclosureNames{"empathic", "defensive", "concealed"};

inline constexpr std::size_t kRoles = kRoleNames.size();
inline constexpr std::size_t kSeverities = kSeverityNames.size();
inline constexpr std::size_t kResponses = kResponseNames.size();
inline constexpr std::size_t kDisclosures = kDisclosureNames.size();

using ByRole = std::array<double, kRoles>;
using BySeverity = std::array<double, kSeverities>;
using ByResponse = std::array<double, kResponses>;
using ByDisclosure = std::array<double, kDisclosures>;

template <class E>
constexpr std::size_t index(E e) {
  return static_cast<std::size_t>(e);
}

}  // namespace culturesim
