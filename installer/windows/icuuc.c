/* For the Windows check under Wine 8 only, never shipped: Qt6Core.dll imports 21 converter
   functions from icuuc.dll, which Windows 10 and 11 have and Wine 8 lacks, so Qt cannot even
   load there. This stands in for them as ICU with no converters: opening one fails, none is
   available, so Qt keeps to its own UTF-8/UTF-16/Latin-1 codecs (all the program uses).
   Built by installer/windows-check.sh with mingw-w64. */
#include <stddef.h>

typedef int UErrorCode;
#define U_FILE_ACCESS_ERROR 4
#define EXPORT __declspec(dllexport)

static void fail(UErrorCode *err) { if (err && *err <= 0) *err = U_FILE_ACCESS_ERROR; }

EXPORT void *ucnv_open(const char *name, UErrorCode *err) { (void)name; fail(err); return NULL; }
EXPORT void ucnv_close(void *cnv) { (void)cnv; }
EXPORT void ucnv_reset(void *cnv) { (void)cnv; }
EXPORT int ucnv_countAvailable(void) { return 0; }
EXPORT const char *ucnv_getAvailableName(int n) { (void)n; return NULL; }
EXPORT const char *ucnv_getStandardName(const char *name, const char *standard, UErrorCode *err)
{ (void)name; (void)standard; fail(err); return NULL; }
EXPORT const char *ucnv_getName(const void *cnv, UErrorCode *err) { (void)cnv; fail(err); return NULL; }
EXPORT signed char ucnv_getMaxCharSize(const void *cnv) { (void)cnv; return 1; }
EXPORT int ucnv_toUCountPending(const void *cnv, UErrorCode *err) { (void)cnv; fail(err); return 0; }
EXPORT int ucnv_fromUCountPending(const void *cnv, UErrorCode *err) { (void)cnv; fail(err); return 0; }
/* Never reached without an open converter; each says it failed. */
#define FAILS6(fn) EXPORT void fn(void *a, void *b, void *c, void *d, void *e, UErrorCode *err) \
    { (void)a; (void)b; (void)c; (void)d; (void)e; fail(err); }
FAILS6(ucnv_getToUCallBack)
FAILS6(ucnv_getFromUCallBack)
FAILS6(ucnv_setToUCallBack)
FAILS6(ucnv_setFromUCallBack)
EXPORT void ucnv_cbToUWriteUChars(void *a, const void *b, int c, int d, UErrorCode *err)
{ (void)a; (void)b; (void)c; (void)d; fail(err); }
EXPORT void ucnv_cbFromUWriteUChars(void *a, const void *b, int c, int d, UErrorCode *err)
{ (void)a; (void)b; (void)c; (void)d; fail(err); }
EXPORT void ucnv_toUnicode(void *a, void *b, const void *c, const char **d, const char *e,
                           int *f, signed char g, UErrorCode *err)
{ (void)a; (void)b; (void)c; (void)d; (void)e; (void)f; (void)g; fail(err); }
EXPORT void ucnv_fromUnicode(void *a, char **b, const char *c, const void **d, const void *e,
                             int *f, signed char g, UErrorCode *err)
{ (void)a; (void)b; (void)c; (void)d; (void)e; (void)f; (void)g; fail(err); }
EXPORT void UCNV_FROM_U_CALLBACK_SUBSTITUTE(const void *a, void *b, const void *c, int d, int e, int f, UErrorCode *err)
{ (void)a; (void)b; (void)c; (void)d; (void)e; (void)f; fail(err); }
EXPORT void UCNV_TO_U_CALLBACK_SUBSTITUTE(const void *a, void *b, const char *c, int d, int e, UErrorCode *err)
{ (void)a; (void)b; (void)c; (void)d; (void)e; fail(err); }
