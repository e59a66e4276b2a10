// Catch2 v2 (Debian 12) and v3 (Debian 13) differ in their headers and in where Approx lives;
// tests include this one.
#pragma once
#if __has_include(<catch2/catch_all.hpp>)
#include <catch2/catch_all.hpp>
#define CULTURESIM_CATCH_V3 1
// v2 has Approx in the global namespace; v3 only as Catch::Approx. Tests write Approx either way.
using Catch::Approx;
#else
#include <catch2/catch.hpp>
#endif
