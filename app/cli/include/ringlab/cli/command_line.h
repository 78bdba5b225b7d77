#pragma once
// The command-line conventions of ringlab, ringlab-sim and ringlabd, in one place so the three programs behave
// alike: GNU-style --help (a Usage line, a description, the options with their defaults, the exit statuses), one
// format for usage errors (a single message naming the program, the command and the flag, then "Try 'PROG CMD
// --help'"), the exit statuses they share, and checks that output paths can be written before any work starts.
// Plain functions over values; those that print write to stdout or stderr and are not meant for concurrent use.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ringlab::cli {

// Exit statuses every program uses.
constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;  // the work was done and found a failure, or could not be done
constexpr int kExitUsage = 2;    // a bad flag, argument or input file: nothing was done

// One option as --help shows it.
struct OptionHelp {
  char shortName = 0;     // 'h' for -h; 0 when there is none
  std::string longName;   // "seed" for --seed
  std::string valueName;  // "N" in "--seed N"; empty for a switch
  std::string description;
  std::string defaultValue;  // shown as "(default: ...)"; empty when there is none worth showing
};

struct ExitStatus {
  int code = 0;
  std::string meaning;
};

// A program, or one of its commands, as help and error messages name it.
struct CommandInfo {
  std::string program;      // "ringlab-sim"
  std::string command;      // "run"; empty for the program itself
  std::string synopsis;     // what follows the name on the Usage line: "[OPTION]... FILE"
  std::string description;  // paragraphs under the Usage line
  std::vector<std::pair<std::string, std::string>> commands;  // a program's commands: name and one-line summary
  std::string notes;  // paragraphs after the options (examples, environment); may be empty
  std::vector<ExitStatus> exitStatus;
  // What help calls the value of an option that does not name it itself ("seed" -> "N"); "VALUE" otherwise.
  std::vector<std::pair<std::string, std::string>> valueNames;
  // The words an option's value may be ("storage" -> rocksdb, memory), for shell completion; empty for free values.
  std::vector<std::pair<std::string, std::vector<std::string>>> valueChoices;
  // What this command's positional FILE arguments complete to ("*.json"); the program's ProgramDoc::fileArguments
  // when empty.
  std::vector<std::string> fileArguments;

  // "ringlab-sim run", or "ringlab-sim" for the program itself.
  std::string name() const;
};

// The full --help text: Usage line, description, commands, options, notes and exit statuses, wrapped to 80 columns.
std::string formatHelp(const CommandInfo& command, const std::vector<OptionHelp>& options);

// "PROG CMD: message\nTry 'PROG CMD --help' for more information.\n"
std::string formatUsageError(const CommandInfo& command, std::string_view message);

// Prints formatUsageError() to stderr; returns kExitUsage.
int usageError(const CommandInfo& command, std::string_view message);

// "PROG VERSION\n"
std::string formatVersion(std::string_view program, std::string_view version);

// Whether a file can be created or overwritten at `path`, without creating it. Returns an empty string when it can,
// otherwise a message naming `flag` and the path and saying why not (no such directory, a directory in the way, no
// permission).
std::string checkOutputPath(std::string_view flag, const std::string& path);

// Whether `text` is a decimal integer in 0..max with nothing around it. Returns false for a sign, a fraction,
// trailing text or overflow.
bool parseUnsigned(std::string_view text, unsigned long long max, unsigned long long& value);

}  // namespace ringlab::cli
