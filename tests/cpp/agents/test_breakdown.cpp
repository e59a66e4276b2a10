// Series per unit and per role (RunOptions::breakdown): observation only, they add up to the
// hospital's, and their size does not grow with the number of clinicians.
#include <cmath>
#include <string>

#include "agents/simulation.hpp"
#include "core/errors.hpp"
#include "experiments/experiment.hpp"
#include "tests/cpp/catch.hpp"
#include "tests/cpp/test_helpers.hpp"

using namespace culturesim;
using culturesim::testing::contains;
using culturesim::testing::message_of;

namespace {

Hospital two_units(int scale = 1) {
  Hospital h;
  h.name = "two";
  h.units = {Unit{"A", {30 * scale, 10 * scale, 5 * scale, 3 * scale}},
             Unit{"B", {20 * scale, 0, 5 * scale, 2 * scale}}};
  return h;
}

RunOptions options(bool breakdown) {
  RunOptions o;
  o.days = 2 * core::kDaysPerYear;
  o.record_every = core::kRecordQuarter;
  o.seed = 4;
  o.warmup_days = 200;
  o.breakdown = breakdown;
  return o;
}

}  // namespace

TEST_CASE("Recording per unit and role changes nothing the hospital records", "[agents][breakdown]") {
  const RunResult plain = simulate(two_units(), Params{}, Policy::blame(), options(false));
  const RunResult split = simulate(two_units(), Params{}, Policy::blame(), options(true));
  CHECK(plain.by_unit.periods() == 0);
  REQUIRE(split.by_unit.outputs() == 2 * kOutputs);
  REQUIRE(split.by_role.outputs() == kRoles * kOutputs);
  const auto& specs = output_specs();
  for (std::size_t o = 0; o < kOutputs; ++o) {
    for (std::size_t p = 0; p < plain.series.periods(); ++p) {
      const double total = plain.series.at(o, p);
      // The same days: counts and levels bit for bit; costs summed by role first may round differently.
      if (specs[o].unit == "USD") {
        CHECK(split.series.at(o, p) == Approx(total).epsilon(1e-12));
      } else {
        CHECK(split.series.at(o, p) == total);
      }
      if (specs[o].kind == "flow" || specs[o].name == "headcount" || specs[o].name == "vacancies" ||
          specs[o].name == "sv_active" || specs[o].name == "hazards") {
        const double units = split.by_unit.at(o, p) + split.by_unit.at(kOutputs + o, p);
        CHECK(units == Approx(total).epsilon(1e-12).margin(1e-9));
        if (specs[o].name != "hazards") {
          double roles = 0.0;
          for (std::size_t r = 0; r < kRoles; ++r) roles += split.by_role.at(r * kOutputs + o, p);
          CHECK(roles == Approx(total).epsilon(1e-12).margin(1e-9));
        }
      }
    }
  }
  // Hazards belong to units, not roles.
  CHECK(std::isnan(split.by_role.at(static_cast<std::size_t>(Output::hazards), 0)));
  // Unit B has no residents: no residents' errors there, and none on its staff.
  const std::size_t resident = 1;
  CHECK(split.by_role.at(resident * kOutputs + static_cast<std::size_t>(Output::headcount), 0) > 0);
  CHECK(split.by_unit.at(kOutputs + static_cast<std::size_t>(Output::headcount), 0) <= 27);
}

TEST_CASE("The series per unit and role do not grow with the clinicians", "[agents][breakdown]") {
  RunOptions o = options(true);
  o.days = 100;
  o.warmup_days = 0;
  const RunResult small = simulate(two_units(1), Params{}, Policy::typical(), o);
  const RunResult large = simulate(two_units(20), Params{}, Policy::typical(), o);
  CHECK(small.by_unit.values().size() == large.by_unit.values().size());
  CHECK(small.by_role.values().size() == large.by_role.values().size());
}

TEST_CASE("An experiment stores the series per unit and role after the hospital's", "[experiments][breakdown]") {
  Experiment e;
  Scenario s;
  s.hospital = two_units();
  e.scenarios = {s};
  e.replicates = 1;
  e.options.days = 100;
  e.options.breakdown = true;
  const core::ResultsLayout layout = e.layout();
  REQUIRE(layout.series.size() == (1 + 2 + kRoles) * kOutputs);
  CHECK(layout.series[kOutputs].name == "by_unit.A.errors_human");
  CHECK(layout.series[3 * kOutputs].name == "by_role.nurse.errors_human");
  Scenario other = s;
  other.name = "other";
  other.hospital.units[1].name = "C";
  e.scenarios.push_back(other);
  CHECK(contains(message_of<InvalidValue>([&] { e.validate(); }), "needs every scenario to have the same units"));
}
