#!/bin/sh
# `ins check` through the standalone binary: output and exit codes.
set -u
bin=${1:?path to couloir-ins-check}
fail=0
expect() { # expect CODE PATTERN ARGS...
  code=$1; pattern=$2; shift 2
  out=$("$bin" "$@" 2>&1); rc=$?
  if [ "$rc" -ne "$code" ]; then echo "FAIL: $* -> exit $rc, expected $code"; echo "$out"; fail=1; return; fi
  case "$out" in *"$pattern"*) ;; *) echo "FAIL: $* -> output lacks '$pattern':"; echo "$out"; fail=1 ;; esac
}
expect 0 "VALIDE : NIR (nature NIR" 109076322083489 1.2.250.1.213.1.4.8
expect 0 "VALIDE : NIA (nature NIA" 109076322088835 1.2.250.1.213.1.4.9
expect 0 "VALIDE : NIR de test" 279035121518989 1.2.250.1.213.1.4.10
expect 0 "VALIDE : NIR de démonstration" 279035121518989 1.2.250.1.213.1.4.11
expect 0 "VALIDE : clé correcte" 180032B02040123
expect 0 "VALIDE" "1 09 07 63 220 834 89"
expect 1 "clé attendue pour 1810363220456 : 76" 181036322045660
expect 1 "15 caractères" 1090763220834
expect 1 "n'est pas un OID d'INS" 109076322083489 1.2.250.1.213.1.4.12
expect 1 "2A et 2B" 180033B02040123
expect 2 "usage" 
exit $fail
