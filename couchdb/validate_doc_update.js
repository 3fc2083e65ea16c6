// Who may write what in a study's CouchDB database.
//
// This file is the readable source of `validate_doc_update` in the design
// document `_design/annotator`. It is not a module: it holds one anonymous
// function, and `node couchdb/build-design.mjs` copies it (without this
// header) into `couchdb/design.json`, which is what gets installed.
// Only ES5 syntax: CouchDB runs it in its own JavaScript engine.
//
// The rules (docs/sync.md explains them for admins):
// - server admins may write anything; database admins may write design documents;
// - everybody else must be signed in;
// - `set:<fp>:<set>`: a coder writes only their own sets (`coder` = their
//   user name); the consensus set and the codebook need the role `adjudicator`;
//   a set may carry the themes its tags use, stamped 0, never a later stamp;
// - `text:<fp>`: any member may add a speech text; its text never changes;
// - `codebook:<fp>`: themes and codebook of a speech, adjudicators only;
// - anything else is refused with a message the page shows to the coder.
function (newDoc, oldDoc, userCtx, secObj) {
  var ADJUDICATOR = 'adjudicator';
  var ENVELOPE = 'speech-annotator/annotations';
  var FINGERPRINT = /^[0-9a-f]{16}$/;
  var MAX_SET_ID = 200;
  var MAX_TITLE = 500;
  var MAX_TEXT = 4000000;

  var roles = (userCtx && userCtx.roles) || [];
  var name = userCtx ? userCtx.name : null;
  var id = String(newDoc._id);

  function has(list, value) {
    if (!list || typeof list.length !== 'number') return false;
    for (var i = 0; i < list.length; i++) {
      if (list[i] === value) return true;
    }
    return false;
  }
  function isArray(value) {
    return Object.prototype.toString.call(value) === '[object Array]';
  }
  function isObject(value) {
    return value !== null && typeof value === 'object' && !isArray(value);
  }
  function refuse(message) {
    throw ({ forbidden: message });
  }
  function quote(value) {
    return typeof value === 'string' ? '"' + value + '"' : String(value);
  }

  if (has(roles, '_admin')) return;

  if (id.indexOf('_design/') === 0) {
    var admins = (secObj && secObj.admins) || {};
    var isDbAdmin = (name !== null && has(admins.names, name));
    for (var r = 0; r < roles.length && !isDbAdmin; r++) {
      if (has(admins.roles, roles[r])) isDbAdmin = true;
    }
    if (isDbAdmin) return;
    refuse('Only an administrator of this database may change design documents.');
  }

  if (name === null || name === undefined || name === '') {
    throw ({ unauthorized: 'Sign in to write to this database.' });
  }

  var adjudicator = has(roles, ADJUDICATOR);
  var old = (oldDoc && !oldDoc._deleted) ? oldDoc : null;

  // Deleting: decided by what is stored, since a deletion carries no fields.
  if (newDoc._deleted) {
    if (!old) refuse('Cannot delete ' + id + ': there is no such document.');
    if (old.type === 'set') {
      if (old.coder === name) return;
      if (old.kind === 'consensus' && adjudicator) return;
      refuse('Cannot delete ' + id + ': set ' + quote(old.set) + ' belongs to ' + old.coder + '.');
    }
    if (old.type === 'codebook' || old.type === 'text') {
      if (adjudicator) return;
      refuse('Cannot delete ' + id + ': only an adjudicator may delete a ' +
        (old.type === 'text' ? 'speech text' : 'codebook') + '.');
    }
    refuse('Cannot delete ' + id + ': it is not a document of this study.');
  }

  var type = newDoc.type;
  if (type === undefined) {
    refuse('The document ' + id + ' has no "type": expected "set", "text" or "codebook".');
  }
  if (type !== 'set' && type !== 'text' && type !== 'codebook') {
    refuse('Unknown document type ' + quote(type) + ' in ' + id +
      ': expected "set", "text" or "codebook".');
  }
  var fp = newDoc.fingerprint;
  if (typeof fp !== 'string' || !FINGERPRINT.test(fp)) {
    refuse('Bad fingerprint ' + quote(fp) + ' in ' + id + ': expected 16 lowercase hex digits.');
  }
  if (old && old.type !== type) {
    refuse('Cannot change ' + id + ' from type "' + old.type + '" to "' + type + '".');
  }

  function checkEnvelope(annotations, what) {
    if (!isObject(annotations)) refuse(what + ' has no "annotations" object.');
    if (annotations.type !== ENVELOPE) {
      refuse(what + ': "annotations.type" must be "' + ENVELOPE + '".');
    }
    if (annotations.version !== 1) refuse(what + ': "annotations.version" must be 1.');
    if (annotations.fingerprint !== fp) {
      refuse(what + ': "annotations.fingerprint" must be the document\'s fingerprint ' + fp + '.');
    }
    if (typeof annotations.clock !== 'number' || !isFinite(annotations.clock) || annotations.clock < 0) {
      refuse(what + ': "annotations.clock" must be a number of 0 or more.');
    }
    if (!isArray(annotations.replicas)) refuse(what + ': "annotations.replicas" must be a list.');
    for (var i = 0; i < annotations.replicas.length; i++) {
      if (typeof annotations.replicas[i] !== 'string') {
        refuse(what + ': "annotations.replicas" must list strings.');
      }
    }
    if (!isArray(annotations.themes)) refuse(what + ': "annotations.themes" must be a list.');
    if (!isArray(annotations.codebook)) refuse(what + ': "annotations.codebook" must be a list.');
    if (!isArray(annotations.sets)) refuse(what + ': "annotations.sets" must be a list.');
  }

  if (type === 'set') {
    var set = newDoc.set;
    if (typeof set !== 'string' || set.length < 1 || set.length > MAX_SET_ID) {
      refuse('Bad set id ' + quote(set) + ' in ' + id + ': expected 1 to ' + MAX_SET_ID + ' characters.');
    }
    if (id !== 'set:' + fp + ':' + set) {
      refuse('The id ' + id + ' does not match its set: expected "set:' + fp + ':' + set + '".');
    }
    var kind = newDoc.kind;
    if (kind !== 'coder' && kind !== 'consensus') {
      refuse('Bad kind ' + quote(kind) + ' of set ' + quote(set) + ': expected "coder" or "consensus".');
    }
    if (newDoc.coder !== name) {
      refuse('The coder of set ' + quote(set) + ' must be you (' + name + '), not ' + quote(newDoc.coder) + '.');
    }
    if (old && old.kind !== kind) {
      refuse('Set ' + quote(set) + ' is a ' + old.kind + ' set and cannot become a ' + kind + ' set.');
    }
    if (kind === 'coder' && old && old.coder !== name) {
      refuse('set ' + quote(set) + ' belongs to ' + old.coder + '; you can write only your own sets.');
    }
    if (kind === 'consensus' && !adjudicator) {
      refuse('Only an adjudicator may write the consensus set ' + quote(set) + '.');
    }
    var what = 'Set ' + quote(set);
    checkEnvelope(newDoc.annotations, what);
    var sets = newDoc.annotations.sets;
    if (sets.length !== 1) {
      refuse(what + ': "annotations.sets" must hold exactly this one set, not ' + sets.length + '.');
    }
    if (!isObject(sets[0]) || sets[0].id !== set || sets[0].kind !== kind) {
      refuse(what + ': "annotations.sets[0]" must have id ' + quote(set) + ' and kind "' + kind + '".');
    }
    // A set carries the themes its tags use, stamped 0 (`t`), so a reader
    // can show them; any codebook edit has a later stamp and wins. A theme
    // stamped later, or a codebook entry, would change the codebook.
    var themes = newDoc.annotations.themes;
    for (var t = 0; t < themes.length; t++) {
      if (!isObject(themes[t]) || themes[t].t !== 0) {
        refuse(what + ': themes and codebook are not written through a set; ' +
          'the themes in "annotations.themes" must be stamped 0 and "annotations.codebook" must be empty.');
      }
    }
    if (newDoc.annotations.codebook.length !== 0) {
      refuse(what + ': themes and codebook are not written through a set; ' +
        'the themes in "annotations.themes" must be stamped 0 and "annotations.codebook" must be empty.');
    }
    return;
  }

  if (type === 'text') {
    if (id !== 'text:' + fp) {
      refuse('The id ' + id + ' does not match its fingerprint: expected "text:' + fp + '".');
    }
    if (typeof newDoc.title !== 'string' || newDoc.title.length > MAX_TITLE) {
      refuse('The title of ' + id + ' must be text of at most ' + MAX_TITLE + ' characters.');
    }
    if (typeof newDoc.text !== 'string' || newDoc.text.length === 0 || newDoc.text.length > MAX_TEXT) {
      refuse('The text of ' + id + ' must be non-empty text of at most ' + MAX_TEXT + ' characters.');
    }
    if (old && old.text !== newDoc.text) {
      refuse('The text of ' + id + ' cannot change: its fingerprint names that exact text.');
    }
    return;
  }

  // type === 'codebook'
  if (id !== 'codebook:' + fp) {
    refuse('The id ' + id + ' does not match its fingerprint: expected "codebook:' + fp + '".');
  }
  if (!adjudicator) {
    refuse('Only an adjudicator may change the themes and codebook (' + id + ').');
  }
  checkEnvelope(newDoc.annotations, 'Codebook ' + fp);
  if (newDoc.annotations.sets.length !== 0) {
    refuse('Codebook ' + fp + ': "annotations.sets" must be empty; sets are documents of their own.');
  }
}
