// Reading enums back from their names. The engine's name functions (operationName, fiberRoleName, ...) are the one
// table of names; a name function answers "unknown..." for a value outside its enum. The inverse below walks the
// enum's whole underlying range and keeps every value that has a name, so an enumerator added to the engine with a
// name is readable at once: there is no count to keep in step. Pure; thread-safe.
#pragma once

#include <optional>
#include <string_view>
#include <type_traits>
#include <vector>

namespace ringlab {

// Every value of `Enum` that `nameOf` names, in ascending order. `Enum` must have an 8-bit underlying type.
template <typename Enum, typename NameOf>
std::vector<Enum> namedEnumValues(NameOf nameOf) {
  using Underlying = std::underlying_type_t<Enum>;
  static_assert(sizeof(Underlying) == 1, "namedEnumValues walks the whole underlying range: 8-bit enums only");
  std::vector<Enum> out;
  for (unsigned i = 0; i <= 0xff; ++i) {
    const auto value = static_cast<Enum>(static_cast<Underlying>(i));
    if (!std::string_view(nameOf(value)).starts_with("unknown")) out.push_back(value);
  }
  return out;
}

// The value of `Enum` whose name is `name`; nullopt when no value has that name.
template <typename Enum, typename NameOf>
std::optional<Enum> enumFromName(std::string_view name, NameOf nameOf) {
  if (name.empty() || name.starts_with("unknown")) return std::nullopt;
  using Underlying = std::underlying_type_t<Enum>;
  static_assert(sizeof(Underlying) == 1, "enumFromName walks the whole underlying range: 8-bit enums only");
  for (unsigned i = 0; i <= 0xff; ++i) {
    const auto value = static_cast<Enum>(static_cast<Underlying>(i));
    if (std::string_view(nameOf(value)) == name) return value;
  }
  return std::nullopt;
}

}  // namespace ringlab
