/* shim: the BPF target has no arch headers */
#include <asm-generic/bitsperlong.h>
