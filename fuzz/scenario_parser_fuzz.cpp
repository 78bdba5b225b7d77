// libFuzzer target: the scenario parser fed arbitrary text must never crash, hang or read out of bounds; it either
// refuses the text with a message or returns a spec. A spec it accepts is written back out (writeScenario), and that
// text must parse again and write out identically: what the app saves is what it loads. Built by scripts/fuzz.sh;
// seeded with the shipped scenarios.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <ringlab/sim/scenario.h>
#include <ringlab/sim/scenario_writer.h>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto spec = ringlab::parseScenario(text, "fuzz.yaml");
  if (!spec.isOk()) {
    if (spec.status().message().empty()) std::abort();  // a refusal always says why
    return 0;
  }
  const std::string written = ringlab::writeScenario(*spec);
  const auto again = ringlab::parseScenario(written, "written.yaml");
  if (!again.isOk()) {
    std::fprintf(stderr, "an accepted scenario, written back, does not parse: %s\n--- written:\n%s\n",
                 again.status().toString().c_str(), written.c_str());
    std::abort();
  }
  if (ringlab::writeScenario(*again) != written) {
    std::fprintf(stderr, "writing, parsing and writing again changes the text:\n%s\n", written.c_str());
    std::abort();
  }
  return 0;
}
