#pragma once
// Manual pages and shell completions made from the same option definitions as --help, so they cannot drift: a
// program describes itself (and its commands) as CommandInfo plus OptionHelp values, and these functions render
// that description as a man(7) page, a bash completion script or a zsh completion function.
//
// A program with commands (ringlab-sim) collects its commands' descriptions by running each command's parser under
// a DocumentationCollector: while one is alive, parseCommandLine() records what it was given and returns at once
// without running the command.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <ringlab/cli/command_line.h>

namespace ringlab::cli {

// A program or one of its commands, with its options.
struct CommandDoc {
  CommandInfo info;
  std::vector<OptionHelp> options;
};

struct ProgramDoc {
  CommandDoc program;
  std::string brief;                 // the NAME line's summary; the description's first sentence when empty
  int section = 1;                   // 1: user commands; 8: system administration (daemons)
  std::vector<CommandDoc> commands;  // for a program with commands, each command's options
  std::vector<std::string> seeAlso;  // "ringlabd(8)"
  // What a positional FILE argument completes to in the shells: file name patterns such as "*.yaml".
  std::vector<std::string> fileArguments;
};

// The program's page in man(7) format (roff), titled with `version`.
std::string formatManPage(const ProgramDoc& doc, std::string_view version);

// A bash completion script: `complete -F` for the program, completing commands, each command's options and, for
// options whose value is a FILE, DIR or PNG, file names.
std::string formatBashCompletion(const ProgramDoc& doc);

// A zsh completion function (`#compdef PROGRAM`) for the same.
std::string formatZshCompletion(const ProgramDoc& doc);

// What the options --man-page and --completion SHELL ask a program to print, or a usage error for another shell.
enum class DocumentationKind { kManPage, kBashCompletion, kZshCompletion };

// Reads the documentation request at the start of `args`: {"--man-page"} or {"--completion", "bash"|"zsh"} (also
// "--completion=zsh"). Returns std::nullopt when `args` asks for something else. Throws UsageError for an unknown
// shell or a missing one.
std::optional<DocumentationKind> documentationRequest(const std::vector<std::string>& args);

// Renders `doc` as `kind` asks.
std::string formatDocumentation(const ProgramDoc& doc, DocumentationKind kind, std::string_view version);

// The two options every program offers to print its documentation, as help lists them.
std::vector<OptionHelp> documentationOptions();

// While alive, parseCommandLine() records each command it is asked to parse instead of parsing it. Not thread-safe;
// one at a time.
class DocumentationCollector {
 public:
  DocumentationCollector();
  ~DocumentationCollector();
  DocumentationCollector(const DocumentationCollector&) = delete;
  DocumentationCollector& operator=(const DocumentationCollector&) = delete;

  // The collector in effect, or nullptr.
  static DocumentationCollector* active();

  void record(CommandDoc command) { m_commands.push_back(std::move(command)); }
  const std::vector<CommandDoc>& commands() const { return m_commands; }

 private:
  std::vector<CommandDoc> m_commands;
  DocumentationCollector* m_previous = nullptr;
};

}  // namespace ringlab::cli
