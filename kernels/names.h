// Enums that people type: one table of (value, name) per enum gives its name, its parser and
// the list of allowed names for messages, so the three never disagree.
#pragma once

#include <cstddef>
#include <string>

namespace fs {

template <typename E>
struct Named {
  E value;
  const char* name;
};

template <typename E, size_t K>
const char* NameOf(const Named<E> (&table)[K], E value) {
  for (const auto& e : table)
    if (e.value == value) return e.name;
  return "unknown";
}

template <typename E, size_t K>
bool ParseName(const Named<E> (&table)[K], const std::string& text, E* out) {
  for (const auto& e : table)
    if (text == e.name) {
      *out = e.value;
      return true;
    }
  return false;
}

// "a, b, c"
template <typename E, size_t K>
std::string NameChoices(const Named<E> (&table)[K]) {
  std::string out;
  for (const auto& e : table) out += (out.empty() ? "" : ", ") + std::string(e.name);
  return out;
}

}  // namespace fs
