#include "mapped.h"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ATen/ATen.h>

#include "cguard.h"

namespace {

std::atomic<int64_t> live{0}, tensors{0};

// mapping is one mmap of a whole file, unmapped when the last reference goes.
struct mapping {
  void *base = nullptr;
  size_t len = 0;
  mapping(void *b, size_t n) : base(b), len(n) { live++; }
  ~mapping() {
    munmap(base, len);
    live--;
  }
};

using ref = std::shared_ptr<mapping>;

std::string sys(const std::string &what, const char *path) {
  return what + " " + path + ": " + std::strerror(errno);
}

} // namespace

char *mapped_open(const char *path, int64_t size, mapped_file *out) {
  return colash::guard([&] {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
      throw std::runtime_error(sys("open", path));
    struct stat st;
    if (fstat(fd, &st) != 0) {
      std::string msg = sys("stat", path);
      close(fd);
      throw std::runtime_error(msg);
    }
    // The header was checked against size bytes: a file of another size changed since, and a
    // shorter one would fault (SIGBUS) where its tensors used to end.
    if (st.st_size != size) {
      close(fd);
      throw std::runtime_error(std::string(path) + " is " + std::to_string(st.st_size) +
                               " bytes, " + std::to_string(size) +
                               " when its header was read: the file changed while loading");
    }
    if (size == 0) {
      close(fd);
      throw std::runtime_error(std::string(path) + " is empty");
    }
    void *base = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    std::string msg = base == MAP_FAILED ? sys("mmap", path) : "";
    close(fd); // the mapping keeps its own reference to the file
    if (base == MAP_FAILED)
      throw std::runtime_error(msg);
    *out = new ref(std::make_shared<mapping>(base, size));
  });
}

char *mapped_tensor_at(mapped_file f, int64_t offset, const int64_t *shape, int64_t ndim, int dtype,
                       mapped_tensor *out) {
  return colash::guard([&] {
    ref m = *static_cast<ref *>(f);
    auto opts = at::TensorOptions().dtype(static_cast<at::ScalarType>(dtype)).device(at::kCPU);
    std::vector<int64_t> sizes(shape, shape + ndim);
    int64_t bytes = c10::elementSize(static_cast<at::ScalarType>(dtype));
    for (auto s : sizes)
      bytes *= s;
    if (offset < 0 || offset + bytes > static_cast<int64_t>(m->len))
      throw std::runtime_error("bytes " + std::to_string(offset) + "..+" + std::to_string(bytes) +
                               " lie outside the " + std::to_string(m->len) + "-byte mapping");
    char *p = static_cast<char *>(m->base) + offset;
    // The deleter owns a reference: the mapping lives while the tensor's storage does.
    auto free = [m](void *) mutable {
      m.reset();
      tensors--;
    };
    *out = new at::Tensor(at::from_blob(p, sizes, free, opts));
    tensors++;
  });
}

void mapped_close(mapped_file f) { delete static_cast<ref *>(f); }

int64_t mapped_live(void) { return live.load(); }

int64_t mapped_tensors(void) { return tensors.load(); }
