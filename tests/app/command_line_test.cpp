#include <ringlab/cli/command_line.h>
#include <ringlab/cli/program_options.h>

#include <unistd.h>
#include <cstdint>

#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace po = boost::program_options;

namespace ringlab::cli {
namespace {

CommandInfo runCommand() {
  CommandInfo info;
  info.program = "tool";
  info.command = "run";
  info.synopsis = "[OPTION]... FILE";
  info.description = "Runs a thing.";
  info.exitStatus = {{kExitOk, "it worked"}, {kExitUsage, "usage error"}};
  info.valueNames = {{"seed", "N"}};
  return info;
}

TEST(CommandLineTest, HelpStartsWithUsageAndListsDefaultsAndExitStatus) {
  std::uint64_t seed = 0;
  po::options_description options;
  options.add_options()("help,h", "show this help and exit")("seed", po::value(&seed)->default_value(7), "the seed")(
      "out", po::value<std::string>(), "where to write");
  const std::string help = formatHelp(runCommand(), describeOptions(runCommand(), options));
  EXPECT_EQ(help.rfind("Usage: tool run [OPTION]... FILE\n", 0), 0u) << help;
  EXPECT_NE(help.find("  -h, --help "), std::string::npos) << help;
  EXPECT_NE(help.find("      --seed N "), std::string::npos) << help;
  EXPECT_NE(help.find("the seed (default: 7)"), std::string::npos) << help;
  EXPECT_NE(help.find("      --out VALUE "), std::string::npos) << help;
  EXPECT_NE(help.find("\nExit status:\n  0  it worked\n  2  usage error\n"), std::string::npos) << help;
}

TEST(CommandLineTest, HelpWrapsLongDescriptionsUnderTheirColumn) {
  std::string text;
  for (int i = 0; i < 40; ++i) text += "word" + std::to_string(i) + " ";
  const std::vector<OptionHelp> options{{0, "rate", "OPS", text, "10"}};
  const std::string help = formatHelp(runCommand(), options);
  const std::string label = "      --rate OPS  ";
  const std::size_t first = help.find(label + "word0 ");
  ASSERT_NE(first, std::string::npos) << help;
  std::size_t start = first;
  int lines = 0;
  while (start < help.size() && help.compare(start, 5, "\nExit") != 0) {
    const std::size_t end = help.find('\n', start);
    const std::string line = help.substr(start, end - start);
    EXPECT_LE(line.size(), 80u) << line;
    if (lines > 0) {
      EXPECT_EQ(line.rfind(std::string(label.size(), ' ') + "word", 0), 0u) << line;
    }
    ++lines;
    start = end + 1;
    if (line.find("(default: 10)") != std::string::npos) break;
  }
  EXPECT_GT(lines, 3);
}

TEST(CommandLineTest, UsageErrorNamesTheCommandAndItsHelp) {
  EXPECT_EQ(formatUsageError(runCommand(), "--seed: bad"),
            "tool run: --seed: bad\nTry 'tool run --help' for more information.\n");
  CommandInfo program = runCommand();
  program.command.clear();
  EXPECT_EQ(formatUsageError(program, "x"), "tool: x\nTry 'tool --help' for more information.\n");
}

TEST(CommandLineTest, ParseUnsignedRefusesSignsFractionsAndOverflow) {
  unsigned long long value = 0;
  EXPECT_TRUE(parseUnsigned("18446744073709551615", std::numeric_limits<std::uint64_t>::max(), value));
  EXPECT_EQ(value, std::numeric_limits<std::uint64_t>::max());
  EXPECT_FALSE(parseUnsigned("18446744073709551616", std::numeric_limits<std::uint64_t>::max(), value));
  EXPECT_FALSE(parseUnsigned("-1", 100, value));
  EXPECT_FALSE(parseUnsigned("+1", 100, value));
  EXPECT_FALSE(parseUnsigned("1.5", 100, value));
  EXPECT_FALSE(parseUnsigned("101", 100, value));
  EXPECT_FALSE(parseUnsigned("", 100, value));
  EXPECT_TRUE(parseUnsigned("100", 100, value));
  EXPECT_EQ(value, 100u);
}

TEST(CommandLineTest, NegativeValueForUnsignedOptionIsAUsageErrorNamingTheFlag) {
  po::options_description options;
  std::uint64_t seed = 0;
  std::size_t nodes = 0;
  int offset = 0;
  options.add_options()("seed", po::value(&seed))("nodes", po::value(&nodes))("offset", po::value(&offset));
  try {
    parseArguments({"--seed", "-1"}, options);
    FAIL() << "accepted --seed -1";
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(), "--seed: expected a non-negative integer, got '-1'");
  }
  EXPECT_THROW(parseArguments({"--nodes=-3"}, options), UsageError);
  po::variables_map vm;
  po::store(parseArguments({"--offset", "-4", "--seed", "5"}, options), vm);  // signed options keep their sign
  po::notify(vm);
  EXPECT_EQ(offset, -4);
  EXPECT_EQ(seed, 5u);
}

TEST(CommandLineTest, PositionalArgumentsAreCollectedOrRefused) {
  po::options_description options;
  options.add_options()("quiet", "be quiet");
  try {
    parseArguments({"--quiet", "extra"}, options);
    FAIL() << "accepted a stray argument";
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(), "unexpected argument 'extra'");
  }
  std::vector<std::string> files;
  po::variables_map vm;
  po::store(parseArguments({"a.yaml", "--quiet", "b.yaml"}, options, &files), vm);
  EXPECT_EQ(files, (std::vector<std::string>{"a.yaml", "b.yaml"}));
  EXPECT_EQ(vm.count("quiet"), 1u);
}

TEST(CommandLineTest, OutputPathCheckNamesFlagPathAndReason) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("ringlab-cli-test-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string file = (dir / "file").string();
  std::ofstream(file) << "x";
  EXPECT_EQ(checkOutputPath("--report", (dir / "new.json").string()), "");
  EXPECT_EQ(checkOutputPath("--report", file), "");  // an existing file may be replaced
  EXPECT_EQ(checkOutputPath("--report", "/nonexistent/r.json"),
            "--report: cannot write '/nonexistent/r.json': no directory '/nonexistent'");
  EXPECT_EQ(checkOutputPath("--trace", dir.string()),
            "--trace: cannot write '" + dir.string() + "': it is a directory");
  EXPECT_EQ(checkOutputPath("--csv", file + "/m.csv"),
            "--csv: cannot write '" + file + "/m.csv': '" + file + "' is not a directory");
  EXPECT_EQ(checkOutputPath("--csv", ""), "--csv: expected a file path, got an empty one");
  EXPECT_FALSE(fs::exists(dir / "new.json"));  // checking creates nothing
  fs::remove_all(dir);
}

}  // namespace
}  // namespace ringlab::cli
