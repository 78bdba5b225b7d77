#include <ringlab/cli/documentation.h>

#include <algorithm>
#include <cctype>

#include <ringlab/cli/program_options.h>

namespace ringlab::cli {
namespace {

DocumentationCollector* g_activeCollector = nullptr;

// ---- man(7) ----------------------------------------------------------------------------------------------------

// Text as roff prints it literally: backslashes escaped, hyphens as minus signs (so that options can be copied), and
// a line that would start with a control character made safe.
std::string roffText(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else {
      out += c;
    }
  }
  if (!out.empty() && (out.front() == '.' || out.front() == '\'')) out.insert(0, "\\&");
  return out;
}

std::string upper(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::toupper(c); });
  return out;
}

// Paragraphs of help text: a blank line starts a new paragraph; lines indented with a space are examples, kept as
// they are (no filling).
void appendParagraphs(std::string& out, std::string_view text) {
  bool inExample = false;
  bool paragraphOpen = false;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    const std::string_view line = text.substr(start, end - start);
    const bool example = !line.empty() && line.front() == ' ';
    if (line.empty()) {
      if (inExample) out += ".fi\n.RE\n";
      inExample = false;
      paragraphOpen = false;
    } else {
      if (example && !inExample) {
        out += ".RS 4\n.nf\n";
        inExample = true;
      } else if (!example && inExample) {
        out += ".fi\n.RE\n";
        inExample = false;
      }
      if (!paragraphOpen && !inExample) out += ".PP\n";
      paragraphOpen = true;
      out += roffText(example ? line.substr(std::min(line.find_first_not_of(' '), line.size())) : line) + "\n";
    }
    if (end == text.size()) break;
    start = end + 1;
  }
  if (inExample) out += ".fi\n.RE\n";
}

void appendOptions(std::string& out, const std::vector<OptionHelp>& options) {
  for (const OptionHelp& option : options) {
    out += ".TP\n";
    std::string label;
    if (option.shortName) label += std::string("\\fB\\-") + option.shortName + "\\fR, ";
    label += "\\fB" + roffText("--" + option.longName) + "\\fR";
    if (!option.valueName.empty()) label += " \\fI" + roffText(option.valueName) + "\\fR";
    out += label + "\n";
    std::string text = option.description;
    if (!text.empty()) text[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(text[0])));
    if (!text.empty() && text.back() != '.') text += '.';
    if (!option.defaultValue.empty()) text += " Default: " + option.defaultValue + ".";
    out += roffText(text) + "\n";
  }
}

// The one-line summary of the NAME section: the description's first sentence.
std::string summary(const CommandInfo& info) {
  std::string_view text = info.description;
  std::size_t end = text.find(". ");
  end = std::min({end, text.find('\n'), text.size()});
  std::string first(text.substr(0, end));
  if (!first.empty() && first.back() == '.') first.pop_back();
  if (!first.empty()) first[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(first[0])));
  return first;
}

std::string commandWord(const std::string& entry) { return entry.substr(0, entry.find(' ')); }

// ---- completions -----------------------------------------------------------------------------------------------

enum class ValueKind { kNone, kFile, kDirectory, kChoice, kOther };

bool isFileValue(const std::string& name) { return name == "FILE" || name == "PNG" || name == "PATH"; }

const std::vector<std::string>* choicesOf(const CommandInfo& info, const std::string& option) {
  for (const auto& [name, words] : info.valueChoices) {
    if (name == option) return &words;
  }
  return nullptr;
}

ValueKind valueKind(const CommandInfo& info, const OptionHelp& option) {
  if (option.valueName.empty()) return ValueKind::kNone;
  if (choicesOf(info, option.longName)) return ValueKind::kChoice;
  if (isFileValue(option.valueName)) return ValueKind::kFile;
  if (option.valueName == "DIR") return ValueKind::kDirectory;
  return ValueKind::kOther;
}

std::string join(const std::vector<std::string>& words, std::string_view separator) {
  std::string out;
  for (const std::string& word : words) {
    if (!out.empty()) out += separator;
    out += word;
  }
  return out;
}

std::vector<std::string> optionWords(const std::vector<OptionHelp>& options) {
  std::vector<std::string> words;
  for (const OptionHelp& option : options) {
    if (option.shortName) words.push_back(std::string("-") + option.shortName);
    words.push_back("--" + option.longName);
  }
  return words;
}

bool takesFiles(const CommandInfo& info) { return info.synopsis.find("FILE") != std::string::npos; }

std::string shellFunctionName(const std::string& program) {
  std::string name = "_" + program;
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
}

// Inside a single-quoted shell word.
std::string singleQuoted(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

// Text inside an _arguments or _describe specification: brackets and colons escaped.
std::string zshSpecText(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '[' || c == ']' || c == ':' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

std::vector<const CommandDoc*> allDocs(const ProgramDoc& doc) {
  std::vector<const CommandDoc*> docs{&doc.program};
  for (const CommandDoc& command : doc.commands) docs.push_back(&command);
  return docs;
}

// The file name patterns a command's FILE arguments complete to: its own, or else the program's.
const std::vector<std::string>& filePatterns(const ProgramDoc& doc, const CommandInfo& command) {
  return command.fileArguments.empty() ? doc.fileArguments : command.fileArguments;
}

std::string fileGlob(const std::vector<std::string>& patterns) {
  if (patterns.empty()) return "";
  if (patterns.size() == 1) return patterns.front();
  return "@(" + join(patterns, "|") + ")";
}

}  // namespace

std::string formatManPage(const ProgramDoc& doc, std::string_view version) {
  const CommandInfo& info = doc.program.info;
  std::string out;
  out += ".\\\" The manual page of " + info.program + ", made by '" + info.program +
         " --man-page' from the options --help shows.\n";
  out += ".TH " + roffText(upper(info.program)) + " " + std::to_string(doc.section) + " \"\" \"RingLab " +
         roffText(version) + "\" \"RingLab Manual\"\n";
  out +=
      ".SH NAME\n" + roffText(info.program) + " \\- " + roffText(doc.brief.empty() ? summary(info) : doc.brief) + "\n";
  out += ".SH SYNOPSIS\n.B " + roffText(info.program) + "\n" + roffText(info.synopsis) + "\n";
  for (const CommandDoc& command : doc.commands) {
    out += ".br\n.B " + roffText(command.info.name()) + "\n" + roffText(command.info.synopsis) + "\n";
  }
  out += ".SH DESCRIPTION\n";
  appendParagraphs(out, info.description);
  if (!info.commands.empty()) {
    out += ".SH COMMANDS\n";
    for (const auto& [name, text] : info.commands) {
      out += ".TP\n\\fB" + roffText(name) + "\\fR\n" + roffText(text) + "\n";
    }
  }
  out += ".SH OPTIONS\n";
  appendOptions(out, doc.program.options);
  for (const CommandDoc& command : doc.commands) {
    out += ".SS \"" + roffText(command.info.name() + " " + command.info.synopsis) + "\"\n";
    appendParagraphs(out, command.info.description);
    appendOptions(out, command.options);
  }
  if (!info.notes.empty()) {
    out += ".SH NOTES\n";
    appendParagraphs(out, info.notes);
  }
  if (!info.exitStatus.empty()) {
    out += ".SH EXIT STATUS\n";
    for (const ExitStatus& status : info.exitStatus) {
      out += ".TP\n.B " + std::to_string(status.code) + "\n" + roffText(status.meaning) + "\n";
    }
  }
  if (!doc.seeAlso.empty()) {
    out += ".SH SEE ALSO\n";
    for (std::size_t i = 0; i < doc.seeAlso.size(); ++i) {
      const std::string& page = doc.seeAlso[i];
      const std::size_t paren = page.find('(');
      out += ".BR " + roffText(page.substr(0, paren)) + " " + page.substr(paren) +
             (i + 1 < doc.seeAlso.size() ? ",\n" : "\n");
    }
  }
  return out;
}

std::string formatBashCompletion(const ProgramDoc& doc) {
  const CommandInfo& info = doc.program.info;
  const std::string function = shellFunctionName(info.program);
  std::vector<std::string> commands;
  for (const auto& [name, text] : info.commands) commands.push_back(commandWord(name));

  std::string out;
  out += "# bash completion for " + info.program + ", made by '" + info.program +
         " --completion bash' from the options --help shows.\n";
  out += function + "() {\n";
  out += "  local cur=\"${COMP_WORDS[COMP_CWORD]}\" prev=\"${COMP_WORDS[COMP_CWORD-1]}\" command=\"\" i\n";
  if (!commands.empty()) {
    out += "  for ((i = 1; i < COMP_CWORD; i++)); do\n";
    out += "    case \"${COMP_WORDS[i]}\" in\n";
    out += "      " + join(commands, "|") + ") command=\"${COMP_WORDS[i]}\"; break ;;\n";
    out += "    esac\n";
    out += "  done\n";
  }
  // Values of options: files, directories, a fixed set of words, or nothing to offer.
  std::vector<std::string> fileOptions, directoryOptions, otherValueOptions;
  std::vector<std::pair<std::string, std::vector<std::string>>> choiceOptions;
  for (const CommandDoc* command : allDocs(doc)) {
    for (const OptionHelp& option : command->options) {
      const std::string word = "--" + option.longName;
      auto add = [&](std::vector<std::string>& list) {
        if (std::find(list.begin(), list.end(), word) == list.end()) list.push_back(word);
      };
      switch (valueKind(command->info, option)) {
        case ValueKind::kFile: add(fileOptions); break;
        case ValueKind::kDirectory: add(directoryOptions); break;
        case ValueKind::kOther: add(otherValueOptions); break;
        case ValueKind::kChoice: choiceOptions.emplace_back(word, *choicesOf(command->info, option.longName)); break;
        case ValueKind::kNone: break;
      }
    }
  }
  out += "  case \"$prev\" in\n";
  if (!fileOptions.empty())
    out += "    " + join(fileOptions, "|") + ") COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n";
  if (!directoryOptions.empty()) {
    out += "    " + join(directoryOptions, "|") + ") COMPREPLY=($(compgen -d -- \"$cur\")); return ;;\n";
  }
  for (const auto& [word, choices] : choiceOptions) {
    out +=
        "    " + word + ") COMPREPLY=($(compgen -W " + singleQuoted(join(choices, " ")) + " -- \"$cur\")); return ;;\n";
  }
  if (!otherValueOptions.empty()) out += "    " + join(otherValueOptions, "|") + ") COMPREPLY=(); return ;;\n";
  out += "  esac\n";
  out += "  local options\n";
  out += "  case \"$command\" in\n";
  for (const CommandDoc& command : doc.commands) {
    out +=
        "    " + command.info.command + ") options=" + singleQuoted(join(optionWords(command.options), " ")) + " ;;\n";
  }
  out += "    *) options=" + singleQuoted(join(optionWords(doc.program.options), " ")) + " ;;\n";
  out += "  esac\n";
  out += "  if [[ \"$cur\" == -* ]]; then\n";
  out += "    COMPREPLY=($(compgen -W \"$options\" -- \"$cur\"))\n";
  out += "    return\n";
  out += "  fi\n";
  if (!commands.empty()) {
    out += "  if [[ -z \"$command\" ]]; then\n";
    out += "    COMPREPLY=($(compgen -W " + singleQuoted(join(commands, " ")) + " -- \"$cur\"))\n";
    out += "    return\n";
    out += "  fi\n";
  }
  // Commands that take FILEs, grouped by the pattern their files complete to (in the order first seen).
  std::vector<std::pair<std::string, std::vector<std::string>>> fileCommands;
  for (const CommandDoc& command : doc.commands) {
    if (!takesFiles(command.info)) continue;
    const std::string glob = fileGlob(filePatterns(doc, command.info));
    auto group = std::find_if(fileCommands.begin(), fileCommands.end(), [&](const auto& g) { return g.first == glob; });
    if (group == fileCommands.end()) group = fileCommands.insert(fileCommands.end(), {glob, {}});
    group->second.push_back(command.info.command);
  }
  if (!fileCommands.empty()) {
    out += "  case \"$command\" in\n";
    for (const auto& [glob, commandNames] : fileCommands) {
      out += "    " + join(commandNames, "|") + ")\n";
      if (glob.empty()) {
        out += "      COMPREPLY=($(compgen -f -- \"$cur\")) ;;\n";
      } else {
        out += "      local IFS=$'\\n'\n";
        out += "      COMPREPLY=($(compgen -d -- \"$cur\") $(shopt -s extglob; compgen -f -X '!" + glob +
               "' -- \"$cur\")) ;;\n";
      }
    }
    out += "  esac\n";
  }
  out += "}\n";
  out += "complete -o filenames -F " + function + " " + info.program + "\n";
  return out;
}

std::string formatZshCompletion(const ProgramDoc& doc) {
  const CommandInfo& info = doc.program.info;
  const std::string function = shellFunctionName(info.program);
  auto optionSpecs = [](const CommandDoc& command, std::string_view indent) {
    std::string out;
    for (const OptionHelp& option : command.options) {
      std::string spec;
      const std::string description = "[" + zshSpecText(option.description) + "]";
      if (option.shortName) {
        spec = singleQuoted(std::string("(-") + option.shortName + " --" + option.longName + ")") + "{-" +
               option.shortName + ",--" + option.longName + "}" + singleQuoted(description);
      } else {
        spec = "--" + option.longName + description;
      }
      std::string value;
      switch (valueKind(command.info, option)) {
        case ValueKind::kNone: break;
        case ValueKind::kFile: value = ":" + zshSpecText(option.valueName) + ":_files"; break;
        case ValueKind::kDirectory: value = ":" + zshSpecText(option.valueName) + ":_files -/"; break;
        case ValueKind::kChoice:
          value =
              ":" + zshSpecText(option.valueName) + ":(" + join(*choicesOf(command.info, option.longName), " ") + ")";
          break;
        case ValueKind::kOther: value = ":" + zshSpecText(option.valueName) + ": "; break;
      }
      if (option.shortName) {
        if (!value.empty()) spec += singleQuoted(value);
      } else {
        spec = singleQuoted(spec + value);
      }
      out += std::string(indent) + spec + " \\\n";
    }
    return out;
  };
  const auto filesAction = [&](const CommandInfo& command) -> std::string {
    const std::vector<std::string>& patterns = filePatterns(doc, command);
    if (patterns.empty()) return "_files";
    const std::string joined = join(patterns, "|");
    return "_files -g \"" + (patterns.size() == 1 ? joined : "(" + joined + ")") + "\"";
  };

  std::string out;
  out += "#compdef " + info.program + "\n";
  out += "# zsh completion for " + info.program + ", made by '" + info.program +
         " --completion zsh' from the options --help shows.\n";
  out += function + "() {\n";
  if (doc.commands.empty()) {
    out += "  _arguments -s \\\n";
    out += optionSpecs(doc.program, "    ");
    out += "    && return 0\n";
    out += "  return 1\n";
    out += "}\n";
    out += function + " \"$@\"\n";
    return out;
  }
  out += "  local curcontext=\"$curcontext\" state line\n";
  out += "  typeset -A opt_args\n";
  out += "  _arguments -C \\\n";
  out += optionSpecs(doc.program, "    ");
  out += "    '1: :->command' \\\n";
  out += "    '*:: :->argument' && return 0\n";
  out += "  case $state in\n";
  out += "    command)\n";
  out += "      local -a commands\n";
  out += "      commands=(\n";
  for (const auto& [name, text] : info.commands) {
    out += "        " + singleQuoted(zshSpecText(commandWord(name)) + ":" + text) + "\n";
  }
  out += "      )\n";
  out += "      _describe -t commands " + singleQuoted(info.program + " command") + " commands ;;\n";
  out += "    argument)\n";
  out += "      curcontext=\"${curcontext%:*}-$words[1]:\"\n";
  out += "      case $words[1] in\n";
  for (const CommandDoc& command : doc.commands) {
    out += "        " + command.info.command + ")\n";
    out += "          _arguments -s \\\n";
    out += optionSpecs(command, "            ");
    if (takesFiles(command.info)) out += "            " + singleQuoted("*:file:" + filesAction(command.info)) + " \\\n";
    out += "            && return 0 ;;\n";
  }
  out += "      esac ;;\n";
  out += "  esac\n";
  out += "  return 1\n";
  out += "}\n";
  out += function + " \"$@\"\n";
  return out;
}

std::optional<DocumentationKind> documentationRequest(const std::vector<std::string>& args) {
  if (args.empty()) return std::nullopt;
  const std::string& first = args.front();
  if (first == "--man-page") {
    if (args.size() > 1) throw UsageError("--man-page takes no other argument, got '" + args[1] + "'");
    return DocumentationKind::kManPage;
  }
  std::string shell;
  if (first == "--completion") {
    if (args.size() < 2) throw UsageError("--completion: expected a shell, bash or zsh");
    if (args.size() > 2) throw UsageError("--completion takes one shell, got '" + args[2] + "' too");
    shell = args[1];
  } else if (first.rfind("--completion=", 0) == 0) {
    if (args.size() > 1) throw UsageError("--completion takes one shell, got '" + args[1] + "' too");
    shell = first.substr(std::string_view("--completion=").size());
  } else {
    return std::nullopt;
  }
  if (shell == "bash") return DocumentationKind::kBashCompletion;
  if (shell == "zsh") return DocumentationKind::kZshCompletion;
  throw UsageError("--completion: expected bash or zsh, got '" + shell + "'");
}

std::string formatDocumentation(const ProgramDoc& doc, DocumentationKind kind, std::string_view version) {
  switch (kind) {
    case DocumentationKind::kManPage: return formatManPage(doc, version);
    case DocumentationKind::kBashCompletion: return formatBashCompletion(doc);
    case DocumentationKind::kZshCompletion: return formatZshCompletion(doc);
  }
  return {};
}

std::vector<OptionHelp> documentationOptions() {
  OptionHelp man;
  man.longName = "man-page";
  man.description = "print the manual page (man(7) format) and exit";
  OptionHelp completion;
  completion.longName = "completion";
  completion.valueName = "SHELL";
  completion.description = "print a completion script for SHELL (bash or zsh) and exit";
  return {man, completion};
}

DocumentationCollector::DocumentationCollector() : m_previous(g_activeCollector) { g_activeCollector = this; }

DocumentationCollector::~DocumentationCollector() { g_activeCollector = m_previous; }

DocumentationCollector* DocumentationCollector::active() { return g_activeCollector; }

}  // namespace ringlab::cli
