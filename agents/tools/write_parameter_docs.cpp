// Prints docs/parameters.md, generated from the parameter and policy tables.
#include <iostream>

#include "agents/parameters.hpp"
#include "agents/policy.hpp"

int main() {
  std::cout << culturesim::parameters_markdown() << "\n## Policy fields\n\n"
            << "`Policy.from_blame(b)` interpolates linearly between the presets; `typical()` is b = 0.6.\n\n"
            << culturesim::policy_markdown();
  return 0;
}
