#!/usr/bin/env python3
"""Writes packages/atproto-adapter/src/lexicons/lexicons.json: the lexicons the adapter serves and every lexicon
they reference, taken from the pinned tree in ../shared/reference/atproto-lexicons (bluesky-social/atproto d6296a1).
Run it again only to move the pin."""
import glob, json, os, sys

root = os.path.join(os.path.dirname(__file__), '..')
source = os.path.join(root, '..', 'shared', 'reference', 'atproto-lexicons')
served = ['chat.bsky.group.' + n for n in [
    'requestJoin', 'createGroup', 'editGroup', 'createJoinLink', 'editJoinLink', 'enableJoinLink', 'disableJoinLink',
    'getJoinLinkPreviews', 'withdrawJoinRequest', 'listJoinRequests', 'approveJoinRequest', 'rejectJoinRequest',
    'updateJoinRequestsRead', 'addMembers', 'removeMembers', 'listMutualGroups']] + [
    'chat.bsky.convo.' + n for n in ['lockConvo', 'unlockConvo', 'leaveConvo', 'getConvoMembers', 'getConvo',
                                     'listConvos', 'listConvoRequests', 'acceptConvo', 'getLog']]

docs = {}
for path in glob.glob(os.path.join(source, '**', '*.json'), recursive=True):
    with open(path) as f:
        doc = json.load(f)
    docs[doc['id']] = doc

def refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == 'ref' and isinstance(value, str):
                yield value
            elif key == 'refs' and isinstance(value, list):
                yield from value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from refs(item)

needed, stack = set(), list(served)
while stack:
    nsid = stack.pop()
    if nsid in needed:
        continue
    if nsid not in docs:
        sys.exit(f'missing lexicon {nsid}')
    needed.add(nsid)
    stack.extend(r.split('#')[0] for r in refs(docs[nsid]) if not r.startswith('#'))

out = os.path.join(root, 'packages', 'atproto-adapter', 'src', 'lexicons', 'lexicons.json')
os.makedirs(os.path.dirname(out), exist_ok=True)
with open(out, 'w') as f:
    json.dump([docs[n] for n in sorted(needed)], f, indent=1, sort_keys=False)
    f.write('\n')
print(f'{len(needed)} lexicons -> {os.path.relpath(out, root)}')
