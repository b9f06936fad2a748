; The Windows setup program (issue 21), built on Linux with Debian's makensis by
; installer/windows/build-setup.sh from PyInstaller's one-folder program:
;   makensis -DDIST=dist/windows/clinic-app -DVERSION=0.1.0 -DOUTFILE=... installer/windows/clinic-app.nsi
; Per-user (the default: %LOCALAPPDATA%\Programs\clinic-app, no administrator needed) or
; per-machine (/AllUsers, or the choice on the first page: Program Files). Start-menu and
; desktop shortcuts under the Thai name. The data folder is not the program's: the app keeps
; it in the user's AppData (%LOCALAPPDATA%\clinic-app), so installing over an older version
; (an upgrade) replaces the program files only, and the uninstaller keeps the data unless
; asked (the box on its page, or /DELETEDATA when silent).
; Silent: setup.exe /S [/AllUsers|/CurrentUser] [/D=DIR]; uninstall.exe /S [/DELETEDATA].
; Signing: makensis -DSIGN_CMD="signtool sign ... %1" signs the uninstaller and the setup
; (build-setup.sh passes CLINIC_APP_SIGN_CMD; the program's own .exe is signed before).
Target amd64-unicode  ; a 64-bit setup for the 64-bit program (and Wine without its 32-bit half)
ManifestDPIAware true
!ifdef FAST_COMPRESSION  ; the Windows check's second (upgrade) setup: zlib, quicker to make
  SetCompressor zlib
!else
  SetCompressor /SOLID lzma
!endif

!ifndef DIST
  !error "Give the one-folder program: makensis -DDIST=path\to\clinic-app"
!endif
!ifndef VERSION
  !define VERSION 0.1.0
!endif
!ifndef OUTFILE
  !define OUTFILE "clinic-app-setup-${VERSION}.exe"
!endif
!define APP "clinic-app"
!define THAI_NAME "คลินิก รพ.สต. (clinic-app)"
!define UNINST_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${APP}"

!ifdef SIGN_CMD
  !finalize '${SIGN_CMD}'
  !uninstfinalize '${SIGN_CMD}'
!endif

Name "${THAI_NAME}"
OutFile "${OUTFILE}"
VIProductVersion "${VERSION}.0"
VIAddVersionKey /LANG=0 "ProductName" "clinic-app"
VIAddVersionKey /LANG=0 "FileDescription" "clinic-app setup"
VIAddVersionKey /LANG=0 "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=0 "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=0 "LegalCopyright" "Apache-2.0"

!define MULTIUSER_EXECUTIONLEVEL Highest
!define MULTIUSER_MUI
!define MULTIUSER_INSTALLMODE_COMMANDLINE
!define MULTIUSER_INSTALLMODE_DEFAULT_CURRENTUSER
!define MULTIUSER_USE_PROGRAMFILES64
!define MULTIUSER_INSTALLMODE_INSTDIR "${APP}"
!define MULTIUSER_INSTALLMODE_DEFAULT_REGISTRY_KEY "${UNINST_KEY}"
!define MULTIUSER_INSTALLMODE_DEFAULT_REGISTRY_VALUENAME "InstallMode"
!define MULTIUSER_INSTALLMODE_INSTDIR_REGISTRY_KEY "${UNINST_KEY}"
!define MULTIUSER_INSTALLMODE_INSTDIR_REGISTRY_VALUENAME "InstallLocation"
!include MultiUser.nsh
!include MUI2.nsh
!include FileFunc.nsh
!include nsDialogs.nsh

!insertmacro MULTIUSER_PAGE_INSTALLMODE
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
UninstPage custom un.DataPage un.DataPageLeave
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "Thai"
!insertmacro MUI_LANGUAGE "English"

Var DeleteData
Var DeleteDataBox

Function .onInit
  !insertmacro MULTIUSER_INIT
FunctionEnd

Function un.onInit
  !insertmacro MULTIUSER_UNINIT
  StrCpy $DeleteData 0
  ${GetParameters} $0
  ClearErrors
  ${un.GetOptions} $0 "/DELETEDATA" $1
  IfErrors +2
  StrCpy $DeleteData 1
FunctionEnd

Section "clinic-app" Main
  SetOutPath "$INSTDIR"
  ; an upgrade: the older program's files go (its libraries differ); the data is elsewhere
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\clinic-app.exe"
  File /r "${DIST}\*.*"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  CreateDirectory "$SMPROGRAMS\${THAI_NAME}"
  CreateShortcut "$SMPROGRAMS\${THAI_NAME}\${THAI_NAME}.lnk" "$INSTDIR\clinic-app.exe"
  CreateShortcut "$SMPROGRAMS\${THAI_NAME}\ถอนการติดตั้ง (Uninstall).lnk" "$INSTDIR\uninstall.exe"
  CreateShortcut "$DESKTOP\${THAI_NAME}.lnk" "$INSTDIR\clinic-app.exe"

  WriteRegStr SHCTX "${UNINST_KEY}" "DisplayName" "${THAI_NAME}"
  WriteRegStr SHCTX "${UNINST_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr SHCTX "${UNINST_KEY}" "Publisher" "clinic-app"
  WriteRegStr SHCTX "${UNINST_KEY}" "DisplayIcon" "$INSTDIR\clinic-app.exe"
  WriteRegStr SHCTX "${UNINST_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr SHCTX "${UNINST_KEY}" "InstallMode" "$MultiUser.InstallMode"
  WriteRegStr SHCTX "${UNINST_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe" /$MultiUser.InstallMode'
  WriteRegStr SHCTX "${UNINST_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /$MultiUser.InstallMode /S'
  WriteRegDWORD SHCTX "${UNINST_KEY}" "NoModify" 1
  WriteRegDWORD SHCTX "${UNINST_KEY}" "NoRepair" 1
SectionEnd

Function un.DataPage
  nsDialogs::Create 1018
  Pop $0
  ${NSD_CreateLabel} 0 0 100% 48u "โปรแกรมจะถูกถอนออก ข้อมูลผู้ป่วยในโฟลเดอร์ข้อมูลจะยังอยู่ (ติดตั้งใหม่แล้วใช้ต่อได้)$\r$\nThe program is removed; the patient data in the data folder stays (a new install goes on with it)."
  Pop $0
  ${NSD_CreateCheckbox} 0 56u 100% 24u "ลบโฟลเดอร์ข้อมูลด้วย (กู้คืนไม่ได้ สำรองข้อมูลก่อน) / Also delete the data folder (cannot be undone: back it up first)"
  Pop $DeleteDataBox
  nsDialogs::Show
FunctionEnd

Function un.DataPageLeave
  ${NSD_GetState} $DeleteDataBox $0
  ${If} $0 == ${BST_CHECKED}
    StrCpy $DeleteData 1
  ${EndIf}
FunctionEnd

Section "Uninstall"
  Delete "$DESKTOP\${THAI_NAME}.lnk"
  RMDir /r "$SMPROGRAMS\${THAI_NAME}"
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\clinic-app.exe"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  DeleteRegKey SHCTX "${UNINST_KEY}"
  ${If} $DeleteData == 1
    ; the current user's data folder and settings (platformdirs: %LOCALAPPDATA%\clinic-app)
    SetShellVarContext current
    RMDir /r "$LOCALAPPDATA\clinic-app"
  ${EndIf}
SectionEnd
