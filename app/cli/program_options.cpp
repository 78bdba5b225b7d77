#include <ringlab/cli/program_options.h>

#include <cstdio>
#include <limits>

#include <ringlab/cli/documentation.h>

namespace po = boost::program_options;

namespace ringlab::cli {
namespace {

template <typename T>
bool isTypedAs(const po::value_semantic* semantic) {
  return dynamic_cast<const po::typed_value<T>*>(semantic) != nullptr;
}

// The largest value of an unsigned option, or 0 when the option is not of an unsigned integer type.
unsigned long long unsignedMaximum(const po::value_semantic* semantic) {
  if (isTypedAs<unsigned short>(semantic)) return std::numeric_limits<unsigned short>::max();
  if (isTypedAs<unsigned int>(semantic)) return std::numeric_limits<unsigned int>::max();
  if (isTypedAs<unsigned long>(semantic)) return std::numeric_limits<unsigned long>::max();
  if (isTypedAs<unsigned long long>(semantic)) return std::numeric_limits<unsigned long long>::max();
  return 0;
}

// Program_options reads "-1" for an unsigned option as 2^64 - 1; this refuses it, and says what was expected for
// anything else that is not a number in range.
void checkUnsignedValue(const po::options_description& options, const po::option& option) {
  const po::option_description* description = options.find_nothrow(option.string_key, false);
  if (!description) return;
  const unsigned long long max = unsignedMaximum(description->semantic().get());
  if (max == 0) return;
  for (const std::string& token : option.value) {
    unsigned long long value = 0;
    if (!token.empty() && token.front() == '-') {
      throw UsageError("--" + option.string_key + ": expected a non-negative integer, got '" + token + "'");
    }
    if (!parseUnsigned(token, max, value)) {
      throw UsageError("--" + option.string_key + ": expected an integer from 0 to " + std::to_string(max) + ", got '" +
                       token + "'");
    }
  }
}

std::string lookUpValueName(const CommandInfo& command, const std::string& option, const std::string& declared) {
  for (const auto& [name, value] : command.valueNames) {
    if (name == option) return value;
  }
  return declared.empty() || declared == "arg" ? "VALUE" : declared;
}

}  // namespace

po::parsed_options parseArguments(const std::vector<std::string>& args, const po::options_description& options,
                                  std::vector<std::string>* positionals) {
  po::parsed_options parsed(&options);
  try {
    parsed = po::command_line_parser(args).options(options).run();
  } catch (const po::error& e) {
    throw UsageError(e.what());
  }
  for (const po::option& option : parsed.options) {
    if (option.string_key.empty()) {  // a positional argument
      const std::string text = option.value.empty() ? std::string() : option.value.front();
      if (!positionals) throw UsageError("unexpected argument '" + text + "'");
      positionals->push_back(text);
      continue;
    }
    checkUnsignedValue(options, option);
  }
  return parsed;
}

std::optional<int> parseCommandLine(const CommandInfo& command, const std::vector<std::string>& args,
                                    const po::options_description& options, po::variables_map& vm,
                                    std::vector<std::string>* positionals) {
  if (DocumentationCollector* collector = DocumentationCollector::active()) {
    collector->record({command, describeOptions(command, options)});
    return kExitOk;
  }
  try {
    po::store(parseArguments(args, options, positionals), vm);
    po::notify(vm);
  } catch (const UsageError& e) {
    return usageError(command, e.what());
  } catch (const po::error& e) {
    return usageError(command, e.what());
  }
  if (options.find_nothrow("help", false) && vm.count("help")) {
    std::fputs(formatHelp(command, describeOptions(command, options)).c_str(), stdout);
    return kExitOk;
  }
  return std::nullopt;
}

std::vector<OptionHelp> describeOptions(const CommandInfo& command, const po::options_description& options) {
  std::vector<OptionHelp> described;
  for (const auto& option : options.options()) {
    OptionHelp help;
    help.longName = option->long_name();
    const std::string formatted = option->format_name();  // "-h [ --help ]" or "--seed"
    if (formatted.size() > 1 && formatted[0] == '-' && formatted[1] != '-') help.shortName = formatted[1];
    help.description = option->description();
    const po::value_semantic& semantic = *option->semantic();
    if (semantic.max_tokens() > 0) {
      // "N (=5)": the value's name, then the default's text when there is one.
      std::string name = semantic.name();
      if (const auto at = name.find(" (="); at != std::string::npos && name.back() == ')') {
        help.defaultValue = name.substr(at + 3, name.size() - at - 4);
        name.resize(at);
      }
      help.valueName = lookUpValueName(command, help.longName, name);
    }
    described.push_back(std::move(help));
  }
  return described;
}

std::string checkOutputOptions(const po::variables_map& vm, const std::vector<std::string>& names) {
  for (const std::string& name : names) {
    if (!vm.count(name) || vm[name].defaulted()) continue;
    if (std::string problem = checkOutputPath("--" + name, vm[name].as<std::string>()); !problem.empty()) {
      return problem;
    }
  }
  return {};
}

}  // namespace ringlab::cli
