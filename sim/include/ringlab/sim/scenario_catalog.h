// Where the shipped scenarios live: next to the executable (build tree or installed under share/ringlab), or in the
// source tree the program was built from. Both programs (ringlab-sim and the desktop app) find them the same way.
// Reads the file system only; thread-compatible.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace ringlab {

// Existing scenario directories in the order they are searched, each once: <exe dir>/scenarios,
// <exe dir>/../share/ringlab/scenarios, <exe dir>/../../scenarios, then `sourceDirectory` (the source tree's
// scenarios/, compiled in). A program installed under a prefix thus finds its own copy first.
std::vector<std::filesystem::path> scenarioDirectories(const std::string& sourceDirectory);

// Every *.yaml in those directories, sorted by name; a name found in several directories is listed once (the first
// directory in search order wins).
std::vector<std::filesystem::path> shippedScenarios(const std::string& sourceDirectory);

// `given` when it names an existing file, else the shipped scenario whose name (with or without ".yaml") it is,
// else `given` unchanged (loading it then reports that it cannot be read).
std::string resolveScenario(const std::string& given, const std::string& sourceDirectory);

}  // namespace ringlab
