// GraphiQL's files may fail to load (offline, a blocked CDN, an integrity mismatch): the page
// then shows why and how to fix it instead of staying blank.
const failedAssets = [];
// The `onerror` of each script and stylesheet tag.
function assetFailed(tag) {
  failedAssets.push(tag.src || tag.href);
  showAssetsUnavailable([]);
}
// Shows the message, naming the files that failed, else the globals that are missing.
function showAssetsUnavailable(missingGlobals) {
  const names = failedAssets.length ? failedAssets : missingGlobals;
  document.getElementById('assets-failed').textContent = names.join(', ');
  document.getElementById('assets-unavailable').hidden = false;
  document.getElementById('graphiql').hidden = true;
}
