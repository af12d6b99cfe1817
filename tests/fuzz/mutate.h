// Deterministic mutations of seed files, for the mutation test that runs with every test
// run (tests/test_mutation.cpp): bit flips, byte changes, truncation, insertion, deletion,
// duplication, splicing two seeds, extreme numbers, escape sequences, huge strings and deep
// nesting. The same seed gives the same inputs on every machine.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace fs_test {

class Mutator {
 public:
  explicit Mutator(uint64_t seed) : state_(seed) {}

  uint64_t Next() {  // splitmix64
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  size_t Below(size_t n) { return n == 0 ? 0 : static_cast<size_t>(Next() % n); }

  // One to four mutations of `input`; `other` is a second seed to splice with; `open` and
  // `close` the nesting characters of the format ('[' ']' for JSON, '(' ')' for .npy headers).
  std::string Mutate(std::string input, const std::string& other, char open, char close) {
    const size_t count = 1 + Below(4);
    for (size_t i = 0; i < count; ++i) MutateOnce(&input, other, open, close);
    return input;
  }

 private:
  void MutateOnce(std::string* s, const std::string& other, char open, char close) {
    const std::vector<std::string> tokens = {
        "1e400", "-1e400", "18446744073709551616", "18446744073709551615", "-1", "-9223372036854775809",
        "1e-46", "NaN", "Infinity", "null", "true", "{}", "[]", "\"\"", "0x10", "99999999999999999999",
        "\x1b]0;title\x07\x1b[2J", "\\u001b[2J", "\xff\xfe", "\xc3", "'", "\"", "\\", ",", ":", "}", "]", ")"};
    const size_t at = Below(s->size() + 1);
    switch (Below(11)) {
      case 0:  // flip a bit
        if (!s->empty()) (*s)[Below(s->size())] ^= static_cast<char>(1u << Below(8));
        break;
      case 1:  // set a byte
        if (!s->empty()) (*s)[Below(s->size())] = static_cast<char>(Next());
        break;
      case 2:  // truncate
        s->resize(at);
        break;
      case 3: {  // insert random bytes
        std::string bytes(1 + Below(16), '\0');
        for (char& c : bytes) c = static_cast<char>(Next());
        s->insert(at, bytes);
        break;
      }
      case 4:  // delete a range
        s->erase(at, 1 + Below(64));
        break;
      case 5: {  // duplicate a range elsewhere
        const size_t from = Below(s->size() + 1);
        s->insert(at, s->substr(from, 1 + Below(256)));
        break;
      }
      case 6:  // an extreme number, an escape sequence or a structural character
        s->insert(at, tokens[Below(tokens.size())]);
        break;
      case 7: {  // replace a run of digits with an extreme number
        const size_t digit = s->find_first_of("0123456789", at);
        if (digit == std::string::npos) break;
        const size_t end = s->find_first_not_of("0123456789.eE+-", digit);
        s->replace(digit, (end == std::string::npos ? s->size() : end) - digit, tokens[Below(6)]);
        break;
      }
      case 8:  // a huge run of one character: a long string, a long number
        s->insert(at, std::string(1000 + Below(100000), "A9 \"("[Below(5)]));
        break;
      case 9:  // deep nesting
        s->insert(at, std::string(10 + Below(100000), Below(2) ? open : '{') + std::string(Below(3) * 50, close));
        break;
      default:  // splice with the other seed
        *s = s->substr(0, at) + other.substr(Below(other.size() + 1));
        break;
    }
  }

  uint64_t state_;
};

}  // namespace fs_test
