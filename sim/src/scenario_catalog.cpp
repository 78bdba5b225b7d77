#include <ringlab/sim/scenario_catalog.h>

#include <algorithm>
#include <system_error>

namespace fs = std::filesystem;

namespace ringlab {

std::vector<fs::path> scenarioDirectories(const std::string& sourceDirectory) {
  std::vector<fs::path> dirs;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    for (const fs::path& candidate : {exe.parent_path() / "scenarios", exe.parent_path() / "../share/ringlab/scenarios",
                                      exe.parent_path() / "../../scenarios"}) {
      if (fs::is_directory(candidate, ec)) dirs.push_back(fs::weakly_canonical(candidate, ec));
    }
  }
  if (!sourceDirectory.empty() && fs::is_directory(sourceDirectory, ec)) {
    dirs.push_back(fs::weakly_canonical(sourceDirectory, ec));
  }
  // First the folders beside the program (an installed copy's own scenarios win), then the source tree's; each once.
  std::vector<fs::path> unique;
  for (const fs::path& dir : dirs) {
    if (std::find(unique.begin(), unique.end(), dir) == unique.end()) unique.push_back(dir);
  }
  return unique;
}

std::vector<fs::path> shippedScenarios(const std::string& sourceDirectory) {
  std::vector<fs::path> files;
  std::vector<std::string> seen;
  for (const fs::path& dir : scenarioDirectories(sourceDirectory)) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      if (entry.path().extension() != ".yaml") continue;
      const std::string name = entry.path().stem().string();
      if (std::find(seen.begin(), seen.end(), name) != seen.end()) continue;
      seen.push_back(name);
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end(), [](const fs::path& a, const fs::path& b) { return a.stem() < b.stem(); });
  return files;
}

std::string resolveScenario(const std::string& given, const std::string& sourceDirectory) {
  std::error_code ec;
  if (fs::exists(given, ec)) return given;
  for (const fs::path& file : shippedScenarios(sourceDirectory)) {
    if (file.stem() == given || file.filename() == given) return file.string();
  }
  return given;
}

}  // namespace ringlab
