// Error strings for colash's C++ shims (engine/dist, model/llama/compiled): their C functions
// return NULL on success or a malloc'd message the Go caller frees, so that no C++ exception
// crosses into Go.
#ifndef COLASH_CGUARD_H
#define COLASH_CGUARD_H
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>

#include <c10/util/Exception.h>

namespace colash {

// dup copies s into malloc'd memory, for the Go caller to free.
inline char *dup(const std::string &s) {
  char *p = static_cast<char *>(std::malloc(s.size() + 1));
  std::memcpy(p, s.c_str(), s.size() + 1);
  return p;
}

// guard runs f and turns any exception into an error string (NULL: none).
template <typename F> char *guard(F f) {
  try {
    f();
    return nullptr;
  } catch (const c10::Error &e) {
    return dup(e.what_without_backtrace()); // the message, not libtorch's C++ stack
  } catch (const std::exception &e) {
    return dup(e.what());
  } catch (...) {
    return dup("unknown C++ exception");
  }
}

} // namespace colash
#endif
