# Picks a Java runtime of version 21 or later and exports JAVA_HOME for it.
# Sourced (POSIX sh) by ./mvnw and by Doppel's start scripts. Order: $JAVA_HOME if new enough,
# then the newest JDK in the usual install folders, then `java` on the PATH.

doppel_java_major() {
  # prints the major version of the java binary $1, or nothing
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p' | sed 's/^1\.//' | head -n 1
}

doppel_pick_java() {
  doppel_need=21
  case $- in *f*) doppel_noglob=1; set +f ;; *) doppel_noglob= ;; esac
  doppel_pick_java_in_order
  doppel_found=$?
  [ -z "$doppel_noglob" ] || set -f
  return $doppel_found
}

doppel_pick_java_in_order() {
  for doppel_candidate in "${JAVA_HOME:-}" $(ls -d /usr/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk* 2>/dev/null | sort -rV); do
    [ -n "$doppel_candidate" ] && [ -x "$doppel_candidate/bin/java" ] || continue
    doppel_v=$(doppel_java_major "$doppel_candidate/bin/java")
    if [ -n "$doppel_v" ] && [ "$doppel_v" -ge "$doppel_need" ] 2>/dev/null; then
      JAVA_HOME=$doppel_candidate
      export JAVA_HOME
      return 0
    fi
  done
  if command -v java >/dev/null 2>&1; then
    doppel_v=$(doppel_java_major java)
    if [ -n "$doppel_v" ] && [ "$doppel_v" -ge "$doppel_need" ] 2>/dev/null; then
      JAVA_HOME=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
      export JAVA_HOME
      return 0
    fi
  fi
  echo "Doppel needs a Java runtime of version $doppel_need or later and found none." >&2
  echo "Install one (for example: apt-get install openjdk-21-jdk, or a Temurin 21+ JDK) or set JAVA_HOME to it." >&2
  return 1
}
