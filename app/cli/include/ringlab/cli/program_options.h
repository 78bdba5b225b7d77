#pragma once
// Boost.Program_options under the shared command-line conventions (command_line.h): parses a program's or a
// command's arguments, prints its help, reports usage errors once and in one format, refuses negative numbers for
// unsigned options (Program_options would wrap -1 to 18446744073709551615) and arguments nobody asked for.
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include <ringlab/cli/command_line.h>

namespace ringlab::cli {

// A usage error found while parsing; what() is the message without the program's name.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Parses `args` (without the program and command names) against `options`. Positional arguments are appended to
// `positionals` when it is given and are a usage error otherwise. Throws UsageError naming the flag or argument at
// fault. Does not store into a variables_map, so the caller may add other sources (a config file) first.
boost::program_options::parsed_options parseArguments(const std::vector<std::string>& args,
                                                      const boost::program_options::options_description& options,
                                                      std::vector<std::string>* positionals = nullptr);

// Parses, stores and notifies into `vm`, then handles --help when `options` declares "help". Returns the status to
// exit with when the program should stop here: kExitOk after printing the help, kExitUsage after printing a usage
// error; std::nullopt when it should go on.
std::optional<int> parseCommandLine(const CommandInfo& command, const std::vector<std::string>& args,
                                    const boost::program_options::options_description& options,
                                    boost::program_options::variables_map& vm,
                                    std::vector<std::string>* positionals = nullptr);

// The options as help shows them, value names taken from `command.valueNames`.
std::vector<OptionHelp> describeOptions(const CommandInfo& command,
                                        const boost::program_options::options_description& options);

// Checks every output-path option in `names` that `vm` holds (checkOutputPath with "--NAME"). Returns the first
// problem, or an empty string when every one can be written.
std::string checkOutputOptions(const boost::program_options::variables_map& vm, const std::vector<std::string>& names);

}  // namespace ringlab::cli
