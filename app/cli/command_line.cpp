#include <ringlab/cli/command_line.h>

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace ringlab::cli {
namespace {

constexpr std::size_t kWidth = 80;
constexpr std::size_t kMaxLabelColumn = 30;
constexpr char kNoBreakSpace = '\x1f';  // a space the wrapping keeps: "(default: 5)" stays on one line

// Appends `text` word-wrapped to kWidth, each line indented by `indent` (the first by `firstIndent` columns already
// written). Lines of `text` that start with a space are kept as they are (examples, tables).
void appendWrapped(std::string& out, std::string_view text, std::size_t indent, std::size_t firstIndent) {
  std::size_t column = firstIndent;
  bool firstLine = true;
  auto newLine = [&] {
    out += '\n';
    out.append(indent, ' ');
    column = indent;
  };
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    const std::string_view line = text.substr(start, end - start);
    if (!firstLine) newLine();
    firstLine = false;
    if (!line.empty() && line.front() == ' ') {
      out += line;
      column += line.size();
    } else {
      bool firstWord = true;
      std::size_t pos = 0;
      while (pos < line.size()) {
        const std::size_t space = std::min(line.find(' ', pos), line.size());
        const std::string_view word = line.substr(pos, space - pos);
        pos = space + 1;
        if (word.empty()) continue;
        if (!firstWord && column + 1 + word.size() > kWidth) {
          newLine();
        } else if (!firstWord) {
          out += ' ';
          ++column;
        }
        std::string kept(word);
        std::replace(kept.begin(), kept.end(), kNoBreakSpace, ' ');
        out += kept;
        column += word.size();
        firstWord = false;
      }
    }
    if (end == text.size()) break;
    start = end + 1;
  }
  out += '\n';
}

std::string optionLabel(const OptionHelp& option) {
  std::string label = option.shortName ? std::string("  -") + option.shortName + ", " : std::string(6, ' ');
  label += "--" + option.longName;
  if (!option.valueName.empty()) label += " " + option.valueName;
  return label;
}

}  // namespace

std::string CommandInfo::name() const { return command.empty() ? program : program + " " + command; }

std::string formatHelp(const CommandInfo& command, const std::vector<OptionHelp>& options) {
  std::string out = "Usage: " + command.name();
  if (!command.synopsis.empty()) out += " " + command.synopsis;
  out += "\n";
  if (!command.description.empty()) {
    out += "\n";
    appendWrapped(out, command.description, 0, 0);
  }
  if (!command.commands.empty()) {
    out += "\nCommands:\n";
    std::size_t width = 0;
    for (const auto& [name, summary] : command.commands) width = std::max(width, name.size());
    for (const auto& [name, summary] : command.commands) {
      std::string label = "  " + name;
      label.resize(width + 4, ' ');
      out += label;
      appendWrapped(out, summary, width + 4, width + 4);
    }
  }
  if (!options.empty()) {
    out += "\nOptions:\n";
    std::size_t column = 0;
    for (const OptionHelp& option : options) {
      const std::size_t length = optionLabel(option).size() + 2;
      if (length <= kMaxLabelColumn) column = std::max(column, length);
    }
    for (const OptionHelp& option : options) {
      std::string label = optionLabel(option);
      std::string text = option.description;
      if (!option.defaultValue.empty()) text += std::string(" (default:") + kNoBreakSpace + option.defaultValue + ")";
      if (label.size() + 2 > column) {
        out += label + "\n" + std::string(column, ' ');
      } else {
        label.resize(column, ' ');
        out += label;
      }
      appendWrapped(out, text, column, column);
    }
  }
  if (!command.notes.empty()) {
    out += "\n";
    appendWrapped(out, command.notes, 0, 0);
  }
  if (!command.exitStatus.empty()) {
    out += "\nExit status:\n";
    for (const ExitStatus& status : command.exitStatus) {
      const std::string label = "  " + std::to_string(status.code) + "  ";
      out += label;
      appendWrapped(out, status.meaning, label.size(), label.size());
    }
  }
  return out;
}

std::string formatUsageError(const CommandInfo& command, std::string_view message) {
  return command.name() + ": " + std::string(message) + "\nTry '" + command.name() + " --help' for more information.\n";
}

int usageError(const CommandInfo& command, std::string_view message) {
  std::fputs(formatUsageError(command, message).c_str(), stderr);
  return kExitUsage;
}

std::string formatVersion(std::string_view program, std::string_view version) {
  return std::string(program) + " " + std::string(version) + "\n";
}

std::string checkOutputPath(std::string_view flag, const std::string& path) {
  namespace fs = std::filesystem;
  const std::string what = std::string(flag) + ": cannot write '" + path + "': ";
  if (path.empty()) return std::string(flag) + ": expected a file path, got an empty one";
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (fs::is_directory(status)) return what + "it is a directory";
  if (fs::exists(status)) {
    if (::access(path.c_str(), W_OK) != 0) return what + std::strerror(errno);
    return {};
  }
  fs::path dir = fs::path(path).parent_path();
  if (dir.empty()) dir = ".";
  const fs::file_status dirStatus = fs::status(dir, ec);
  if (!fs::exists(dirStatus)) return what + "no directory '" + dir.string() + "'";
  if (!fs::is_directory(dirStatus)) return what + "'" + dir.string() + "' is not a directory";
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    return what + "directory '" + dir.string() + "': " + std::strerror(errno);
  }
  return {};
}

bool parseUnsigned(std::string_view text, unsigned long long max, unsigned long long& value) {
  if (text.empty() || text.size() > 20) return false;
  unsigned long long result = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
    const unsigned digit = static_cast<unsigned>(c - '0');
    if (result > (max - digit) / 10) return false;
    result = result * 10 + digit;
  }
  value = result;
  return true;
}

}  // namespace ringlab::cli
