// Saved hospital states (MODEL.md 8.1): a run started from the state another run ended in is
// bit-identical to that run carrying on; a state survives its flat file form exactly; a state
// that does not fit the run is refused with a message naming what differs.
#include <memory>
#include <vector>

#include "agents/hospital_state.hpp"
#include "agents/simulation.hpp"
#include "core/errors.hpp"
#include "tests/cpp/catch.hpp"
#include "tests/cpp/test_helpers.hpp"

using namespace culturesim;

namespace {

using testing::contains;
using testing::message_of;

RunOptions run_of(std::int64_t days, std::uint64_t seed = 7) {
  RunOptions o;
  o.days = days;
  o.record_every = 73;
  o.seed = seed;
  o.replicate = 3;
  o.snapshot_every = 365;
  return o;
}

std::vector<double> values(const RunResult& r) { return {r.series.values().begin(), r.series.values().end()}; }

}  // namespace

TEST_CASE("A run from a saved state is bit-identical to the run carrying on", "[agents][state]") {
  // Four years straight, against two years, saved, and two more from the saved state; with a
  // warm-up before, and a change of policy in the middle so both halves differ.
  RunOptions whole = run_of(4 * 365);
  whole.warmup_days = 3 * 365;
  Schedule schedule{{2 * 365 + 100, std::nullopt, Policy::just_culture(), {}, "switch"}};
  const RunResult straight = simulate(Hospital::default_hospital(), Params{}, Policy::blame(), whole, schedule);

  RunOptions first = run_of(2 * 365);
  first.warmup_days = 3 * 365;
  first.keep_final_state = true;
  const RunResult half = simulate(Hospital::default_hospital(), Params{}, Policy::blame(), first);
  REQUIRE(half.final_state);
  CHECK(half.final_state->day == 2 * 365);

  RunOptions second = run_of(2 * 365);
  second.start = std::make_shared<const HospitalState>(*half.final_state);
  Schedule later{{100, std::nullopt, Policy::just_culture(), {}, "switch"}};
  const RunResult rest = simulate(Hospital::default_hospital(), Params{}, Policy::blame(), second, later);

  // The straight run's periods: 20 of 73 days; the first ten are the first half's, the rest the second's.
  const auto& s = straight.series;
  const std::size_t periods = s.periods();
  REQUIRE(periods == 20);
  for (std::size_t o = 0; o < s.outputs(); ++o) {
    for (std::size_t p = 0; p < 10; ++p) {
      INFO("output " << o << " period " << p);
      CHECK(s.at(o, p) == half.series.at(o, p));
      CHECK(s.at(o, p + 10) == rest.series.at(o, p));
    }
  }
  // Days count from the start state's day 0; the warm-up report travels with the state.
  CHECK(rest.period_start_day.front() == 0.0);
  CHECK(rest.warmup.days == 3 * 365);
  REQUIRE(rest.snapshots.size() == 2);
  CHECK(rest.snapshots[1].burnout == straight.snapshots[3].burnout);
}

TEST_CASE("A saved state survives its flat form exactly", "[agents][state]") {
  RunOptions o = run_of(400);
  o.keep_final_state = true;
  const RunResult r = simulate(Hospital::default_hospital(), Params{}, Policy::typical(), o);
  const HospitalState& state = *r.final_state;
  const auto flat = flatten_state(state);
  std::size_t length = 0;
  for (const auto& a : state_arrays(state.clinicians.size(), state.units.size())) length += a.length;
  REQUIRE(flat.size() == length);
  const HospitalState back = unflatten_state(flat, state.clinicians.size(), state.units.size(), 7, 3);
  CHECK(flatten_state(back) == flat);
  CHECK(back.clinicians.sv_start_day == state.clinicians.sv_start_day);
  CHECK(back.clinicians.burnout == state.clinicians.burnout);
  CHECK(back.units[2].hazards == state.units[2].hazards);

  // Carrying on from the read-back state equals carrying on from the original.
  RunOptions next = run_of(200);
  next.start = std::make_shared<const HospitalState>(state);
  RunOptions next_back = next;
  next_back.start = std::make_shared<const HospitalState>(back);
  CHECK(values(simulate(Hospital::default_hospital(), Params{}, Policy::typical(), next)) ==
        values(simulate(Hospital::default_hospital(), Params{}, Policy::typical(), next_back)));

  // Values a field cannot hold are refused, naming the array.
  auto bad = flat;
  bad[0] = 1.5;
  CHECK(contains(
      message_of<InvalidValue>([&] { unflatten_state(bad, state.clinicians.size(), state.units.size(), 7, 3); }),
      "'day'"));
  bad = flat;
  bad.pop_back();
  CHECK(contains(
      message_of<InvalidValue>([&] { unflatten_state(bad, state.clinicians.size(), state.units.size(), 7, 3); }),
      "expected"));
}

TEST_CASE("A start state that does not fit the run is refused, naming what differs", "[agents][state]") {
  RunOptions o = run_of(100);
  o.keep_final_state = true;
  const auto state = std::make_shared<const HospitalState>(
      *simulate(Hospital::default_hospital(), Params{}, Policy::typical(), o).final_state);

  RunOptions other_seed = run_of(100, 8);
  other_seed.start = state;
  CHECK(contains(message_of<InvalidValue>([&] { other_seed.validate(); }), "seed 7, replicate 3"));

  RunOptions with_warmup = run_of(100);
  with_warmup.start = state;
  with_warmup.warmup_days = 365;
  CHECK(contains(message_of<InvalidValue>([&] { with_warmup.validate(); }), "no warm-up of its own"));

  RunOptions fits = run_of(100);
  fits.start = state;
  Hospital smaller = Hospital::default_hospital();
  smaller.units[0].headcount[0] -= 1;
  CHECK(contains(message_of<InvalidValue>([&] { Simulation(smaller, Params{}, Policy::typical(), fits); }),
                 "the hospital the state was saved from"));
  Hospital swapped = Hospital::default_hospital();
  std::swap(swapped.units[0].headcount[0], swapped.units[0].headcount[1]);
  CHECK(contains(message_of<InvalidValue>([&] { Simulation(swapped, Params{}, Policy::typical(), fits); }),
                 "unit and role"));
}
