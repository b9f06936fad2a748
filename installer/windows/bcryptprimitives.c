/* For the Windows check under Wine 8 only, never shipped: wheels built with recent Rust
   (cryptography, pydantic-core) import ProcessPrng from bcryptprimitives.dll, which Wine 8
   lacks. This stands in for it with RtlGenRandom (advapi32's SystemFunction036), the
   system's own random generator. Built by installer/windows-check.sh with mingw-w64. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
