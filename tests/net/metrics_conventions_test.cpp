// /metrics against Prometheus's naming conventions, and against what the shipped Grafana dashboard queries: a
// renamed or removed family fails here instead of leaving an empty panel on an operator's screen.
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <ringlab/net/admin_server.h>
#include <ringlab/net/daemon.h>

#include <ringlab/observe/prometheus_text.h>

namespace ringlab::net {
namespace {

namespace http = boost::beast::http;

// The families /metrics serves (name -> TYPE), from an in-process node on memory storage that was opened but never
// run.
std::map<std::string, std::string> servedFamilies() {
  DaemonConfig config;
  config.nodeName = "n1";
  config.storage = StorageKind::kMemory;
  config.clientPort = 0;
  config.peerPort = 0;
  config.adminPort = 0;
  config.quorum = QuorumConfig{1, 1, 1};
  Daemon daemon(config);
  const Status opened = daemon.open();
  EXPECT_TRUE(opened.isOk()) << opened.toString();
  AdminServer server(daemon);
  AdminRequest request(http::verb::get, "/metrics", 11);
  request.set(http::field::host, "127.0.0.1");
  const std::string text = server.handle(request).response.body();
  EXPECT_EQ(readPrometheusText(text).problems, std::vector<std::string>()) << text;
  std::map<std::string, std::string> families;
  for (const auto& [name, type] : readPrometheusText(text).families) families[name] = type;
  return families;
}

void collectExpressions(const boost::json::value& value, std::vector<std::string>& out) {
  if (value.is_object()) {
    for (const auto& [key, member] : value.as_object()) {
      if (key == "expr" && member.is_string()) {
        out.emplace_back(member.as_string());
      } else {
        collectExpressions(member, out);
      }
    }
  } else if (value.is_array()) {
    for (const auto& element : value.as_array()) collectExpressions(element, out);
  }
}

TEST(MetricsConventionsTest, NamesCarryBaseUnitsAndCountersEndInTotal) {
  const auto families = servedFamilies();
  ASSERT_FALSE(families.empty());
  const std::regex unitless(R"(_(ms|millis|milliseconds|us|micros|kb|mb|kib|mib|percent)(_|$))");
  for (const auto& [name, type] : families) {
    const bool endsInTotal = name.size() > 6 && name.compare(name.size() - 6, 6, "_total") == 0;
    EXPECT_EQ(type == "counter", endsInTotal) << name << " is a " << type;
    EXPECT_FALSE(std::regex_search(name, unitless)) << name << " is not in a base unit (seconds, bytes, ratio)";
    EXPECT_TRUE(name.rfind("ringlab_", 0) == 0 || name.rfind("process_", 0) == 0) << name << " has no namespace";
  }
}

TEST(MetricsConventionsTest, NoFamilyRepeatsAStandardProcessFigure) {
  const auto families = servedFamilies();
  for (const auto& [name, type] : families) {
    if (name.rfind("ringlab_process_", 0) == 0) {
      ADD_FAILURE() << name << " repeats a process_* family under another name";
    }
  }
}

TEST(MetricsConventionsTest, EveryMetricTheGrafanaDashboardQueriesIsServed) {
  std::ifstream file(RINGLAB_SOURCE_DIR "/resources/grafana/ringlab-dashboard.json");
  ASSERT_TRUE(file) << "resources/grafana/ringlab-dashboard.json";
  std::stringstream text;
  text << file.rdbuf();
  std::vector<std::string> expressions;
  collectExpressions(boost::json::parse(text.str()), expressions);
  ASSERT_GE(expressions.size(), 6u) << "the dashboard's panels have queries";

  const auto families = servedFamilies();
  const std::regex metric(R"(\b(ringlab|process)_[a-z0-9_]+)");
  std::set<std::string> queried;
  for (const std::string& expression : expressions) {
    for (auto it = std::sregex_iterator(expression.begin(), expression.end(), metric); it != std::sregex_iterator();
         ++it) {
      queried.insert(it->str());
    }
  }
  ASSERT_FALSE(queried.empty());
  for (std::string name : queried) {
    std::string family = name;
    for (const std::string suffix : {"_bucket", "_sum", "_count"}) {
      if (family.size() > suffix.size() && family.compare(family.size() - suffix.size(), suffix.size(), suffix) == 0 &&
          families.count(family.substr(0, family.size() - suffix.size())) &&
          families.at(family.substr(0, family.size() - suffix.size())) == "histogram") {
        family.resize(family.size() - suffix.size());
      }
    }
    EXPECT_TRUE(families.count(family)) << "the dashboard queries " << name << ", which /metrics does not serve";
  }
}

}  // namespace
}  // namespace ringlab::net
