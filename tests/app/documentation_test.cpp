#include <ringlab/cli/documentation.h>

#include <gtest/gtest.h>

#include <ringlab/cli/program_options.h>

namespace ringlab::cli {
namespace {

namespace po = boost::program_options;

ProgramDoc daemonDoc() {
  ProgramDoc doc;
  doc.program.info.program = "ringlabd";
  doc.program.info.synopsis = "[OPTION]...";
  doc.program.info.description =
      "A node. Serves clients.\n\n.starts with a dot and a back\\slash\nExample:\n  ringlabd --node-id n1";
  doc.program.info.exitStatus = {{0, "stopped cleanly"}, {2, "usage error"}};
  doc.program.info.valueChoices = {{"storage", {"rocksdb", "memory"}}};
  doc.program.options = {{'h', "help", "", "print this help and exit", ""},
                         {0, "storage", "KIND", "rocksdb or memory", "rocksdb"},
                         {0, "data-dir", "DIR", "RocksDB directory", ""},
                         {0, "config", "FILE", "YAML file with options", ""},
                         {0, "seeds", "HOST:PORT,...", "peers to join [comma-separated]", ""}};
  doc.section = 8;
  doc.seeAlso = {"ringlab(1)", "redis-cli(1)"};
  return doc;
}

TEST(ManPageTest, HasTheSectionsOfAManualPageInOrder) {
  const std::string page = formatManPage(daemonDoc(), "1.2.3");
  std::size_t at = 0;
  for (const char* section : {".TH RINGLABD 8 \"\" \"RingLab 1.2.3\"", ".SH NAME\nringlabd \\- a node\n",
                              ".SH SYNOPSIS", ".SH DESCRIPTION", ".SH OPTIONS", ".SH EXIT STATUS", ".SH SEE ALSO"}) {
    const std::size_t found = page.find(section, at);
    ASSERT_NE(found, std::string::npos) << "missing or out of order: " << section << "\n" << page;
    at = found;
  }
}

TEST(ManPageTest, ListsEveryOptionWithItsValueAndDefault) {
  const std::string page = formatManPage(daemonDoc(), "1");
  EXPECT_NE(page.find("\\fB\\-h\\fR, \\fB\\-\\-help\\fR\n"), std::string::npos) << page;
  EXPECT_NE(page.find("\\fB\\-\\-storage\\fR \\fIKIND\\fR\nRocksdb or memory. Default: rocksdb.\n"), std::string::npos)
      << page;
  EXPECT_NE(page.find(".TP\n.B 2\nusage error\n"), std::string::npos) << page;
  EXPECT_NE(page.find(".BR ringlab (1),\n.BR redis\\-cli (1)\n"), std::string::npos) << page;
}

TEST(ManPageTest, EscapesWhatRoffWouldReadAsControlsAndKeepsExamplesUnfilled) {
  const std::string page = formatManPage(daemonDoc(), "1");
  EXPECT_NE(page.find("\n\\&.starts with a dot and a back\\eslash\n"), std::string::npos) << page;
  EXPECT_NE(page.find(".RS 4\n.nf\nringlabd \\-\\-node\\-id n1\n.fi\n.RE\n"), std::string::npos) << page;
}

TEST(ManPageTest, UsesTheBriefWhenGivenForTheNameLine) {
  ProgramDoc doc = daemonDoc();
  doc.brief = "a RingLab storage node";
  EXPECT_NE(formatManPage(doc, "1").find(".SH NAME\nringlabd \\- a RingLab storage node\n"), std::string::npos);
}

TEST(BashCompletionTest, CompletesValuesByKindAndOptionsOtherwise) {
  const std::string script = formatBashCompletion(daemonDoc());
  EXPECT_NE(script.find("--config) COMPREPLY=($(compgen -f -- \"$cur\")); return ;;"), std::string::npos) << script;
  EXPECT_NE(script.find("--data-dir) COMPREPLY=($(compgen -d -- \"$cur\")); return ;;"), std::string::npos) << script;
  EXPECT_NE(script.find("--storage) COMPREPLY=($(compgen -W 'rocksdb memory' -- \"$cur\")); return ;;"),
            std::string::npos)
      << script;
  EXPECT_NE(script.find("*) options='-h --help --storage --data-dir --config --seeds' ;;"), std::string::npos)
      << script;
  EXPECT_NE(script.find("complete -o filenames -F _ringlabd ringlabd\n"), std::string::npos) << script;
}

TEST(ZshCompletionTest, EscapesBracketsAndColonsInSpecifications) {
  const std::string script = formatZshCompletion(daemonDoc());
  EXPECT_EQ(script.rfind("#compdef ringlabd\n", 0), 0u) << script;
  EXPECT_NE(script.find("'--seeds[peers to join \\[comma-separated\\]]:HOST\\:PORT,...: '"), std::string::npos)
      << script;
  EXPECT_NE(script.find("'--storage[rocksdb or memory]:KIND:(rocksdb memory)'"), std::string::npos) << script;
  EXPECT_NE(script.find("'(-h --help)'{-h,--help}'[print this help and exit]'"), std::string::npos) << script;
}

TEST(ZshCompletionTest, GivesEachCommandItsOwnOptionsAndFiles) {
  ProgramDoc doc;
  doc.program.info.program = "ringlab-sim";
  doc.program.info.commands = {{"run FILE", "run a scenario"}, {"list", "list scenarios"}};
  doc.program.options = {{0, "version", "", "print the version and exit", ""}};
  doc.fileArguments = {"*.yaml"};
  CommandDoc run;
  run.info.program = "ringlab-sim";
  run.info.command = "run";
  run.info.synopsis = "[OPTION]... FILE";
  run.options = {{0, "seed", "N", "override the seed", ""}};
  CommandDoc list;
  list.info.program = "ringlab-sim";
  list.info.command = "list";
  doc.commands = {run, list};
  const std::string script = formatZshCompletion(doc);
  EXPECT_NE(script.find("'run:run a scenario'"), std::string::npos) << script;
  const std::size_t runCase = script.find("        run)\n");
  const std::size_t listCase = script.find("        list)\n");
  ASSERT_NE(runCase, std::string::npos) << script;
  ASSERT_NE(listCase, std::string::npos) << script;
  const std::string runPart = script.substr(runCase, listCase - runCase);
  EXPECT_NE(runPart.find("'--seed[override the seed]:N: '"), std::string::npos) << runPart;
  EXPECT_NE(runPart.find("'*:file:_files -g \"*.yaml\"'"), std::string::npos) << runPart;
  EXPECT_EQ(script.substr(listCase).find("_files -g"), std::string::npos) << "list takes no file";
}

TEST(ZshCompletionTest, CommandWithItsOwnFilePatternsCompletesThoseFiles) {
  ProgramDoc doc;
  doc.program.info.program = "ringlab-sim";
  doc.program.info.commands = {{"run FILE", "run a scenario"}, {"campaign-merge FILE...", "merge results"}};
  doc.fileArguments = {"*.yaml"};
  CommandDoc run;
  run.info.program = "ringlab-sim";
  run.info.command = "run";
  run.info.synopsis = "[OPTION]... FILE";
  CommandDoc merge;
  merge.info.program = "ringlab-sim";
  merge.info.command = "campaign-merge";
  merge.info.synopsis = "[OPTION]... FILE...";
  merge.info.fileArguments = {"*.json"};
  doc.commands = {run, merge};
  const std::string script = formatZshCompletion(doc);
  const std::size_t runCase = script.find("        run)\n");
  const std::size_t mergeCase = script.find("        campaign-merge)\n");
  ASSERT_NE(runCase, std::string::npos) << script;
  ASSERT_NE(mergeCase, std::string::npos) << script;
  ASSERT_LT(runCase, mergeCase) << script;
  EXPECT_NE(script.substr(runCase, mergeCase - runCase).find("'*:file:_files -g \"*.yaml\"'"), std::string::npos)
      << script;
  EXPECT_NE(script.substr(mergeCase).find("'*:file:_files -g \"*.json\"'"), std::string::npos) << script;
  EXPECT_EQ(script.substr(mergeCase).find("*.yaml"), std::string::npos) << script;
}

TEST(DocumentationRequestTest, ReadsTheManPageAndCompletionRequests) {
  EXPECT_EQ(documentationRequest({"--man-page"}), DocumentationKind::kManPage);
  EXPECT_EQ(documentationRequest({"--completion", "bash"}), DocumentationKind::kBashCompletion);
  EXPECT_EQ(documentationRequest({"--completion=zsh"}), DocumentationKind::kZshCompletion);
  EXPECT_EQ(documentationRequest({"--seed", "1"}), std::nullopt);
  EXPECT_EQ(documentationRequest({}), std::nullopt);
}

TEST(DocumentationRequestTest, RefusesAnUnknownOrMissingShellNamingIt) {
  try {
    (void)documentationRequest({"--completion", "fish"});
    FAIL() << "fish was accepted";
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(), "--completion: expected bash or zsh, got 'fish'");
  }
  EXPECT_THROW((void)documentationRequest({"--completion"}), UsageError);
  EXPECT_THROW((void)documentationRequest({"--man-page", "extra"}), UsageError);
}

TEST(DocumentationCollectorTest, RecordsWhatACommandWouldParseInsteadOfParsingIt) {
  CommandInfo info;
  info.program = "ringlab-sim";
  info.command = "demo";
  po::options_description options("Options");
  int seconds = 0;
  options.add_options()("seconds", po::value(&seconds)->default_value(5), "virtual seconds");
  po::variables_map vm;
  {
    DocumentationCollector collector;
    EXPECT_EQ(DocumentationCollector::active(), &collector);
    EXPECT_EQ(parseCommandLine(info, {"--seconds", "not a number"}, options, vm), kExitOk);
    ASSERT_EQ(collector.commands().size(), 1u);
    EXPECT_EQ(collector.commands()[0].info.command, "demo");
    ASSERT_EQ(collector.commands()[0].options.size(), 1u);
    EXPECT_EQ(collector.commands()[0].options[0].defaultValue, "5");
  }
  EXPECT_EQ(DocumentationCollector::active(), nullptr);
  EXPECT_EQ(seconds, 0) << "nothing was parsed while collecting";
}

}  // namespace
}  // namespace ringlab::cli
