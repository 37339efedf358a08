/*
 * NAME
 *	classify - the one bounce classifier: "category regex" rules matched
 *	on "code x.y.z text"
 * SYNOPSIS
 *	#include "classify.h"
 *
 *	struct classify *c = classify_load("/etc/postfix/campaign/bounce-rules", &e);
 *	const char *cat = classify_match(c, "550 5.1.1 user unknown");
 *	char subj[CLASSIFY_SUBJECT_MAX + 1];
 *	classify_subject(subj, sizeof(subj), "550", "5.1.1", text, textlen);
 *	classify_free(c);
 * DESCRIPTION
 *	A rules file holds one rule per line:
 *		CATEGORY REGEX
 *	CATEGORY is 1 to CLASSIFY_NAME_MAX bytes of a-z, 0-9 and '-'; REGEX
 *	(the rest of the line after the white space that follows the
 *	category, trailing white space removed) is a POSIX extended regular
 *	expression, matched without regard to case.  '#' at the start of a
 *	line (after white space) makes a comment; blank lines are ignored.
 *	The first rule that matches wins; nothing matching gives "other".
 *
 *	The subject a rule sees is "CODE X.Y.Z TEXT": the SMTP reply code
 *	(or "000" when there is none, as in a DSN without a Diagnostic-Code),
 *	the enhanced status code (or "0.0.0"), and the reply text with
 *	control bytes and line breaks turned into spaces.
 *	classify_subject() builds it; a text longer than the room left is
 *	cut (a subject is at most CLASSIFY_SUBJECT_MAX bytes).  Returns the
 *	length written.
 *
 *	classify_load() reads a file; classify_parse() reads n bytes of rules
 *	text named name (for messages).  Both return NULL with e set to
 *	"name:line: problem" on the first malformed rule (a bad category, a
 *	missing regex, a regex that does not compile or is too costly to
 *	compile (a repetition of a repetition such as "a++" or "a*?",
 *	repetitions nested more than two deep, a bound over 255, a
 *	back-reference), a NUL or
 *	control byte,
 *	a line over CLASSIFY_LINE_MAX bytes, more than CLASSIFY_RULES_MAX
 *	rules) or "name: problem" when the file cannot be read.  An empty
 *	rule set is allowed (everything is then "other").
 *	classify_match() returns the category of the first matching rule,
 *	a string owned by c, or "other"; it never fails.
 *	classify_regcomp() compiles one such expression (extended, case
 *	ignored, no sub-matches) after the same cost checks: 0, or -1 with
 *	e set ("bad regular expression: ...", "... too costly: ..."); the
 *	shaper's rules use it too.
 *	classify_count() is the number of rules.  classify_free(NULL) is fine.
 *	A struct classify is read-only after loading: threads may share it.
 * SEE ALSO
 *	regex(7), RFC 3463 (enhanced status codes), postfix-conf/bounce-rules.
 */
#ifndef CLASSIFY_H
#define CLASSIFY_H

#include <stddef.h>

#include <regex.h>

#include "cerr.h"

#define CLASSIFY_NAME_MAX	32
#define CLASSIFY_LINE_MAX	4096
#define CLASSIFY_RULES_MAX	1000
#define CLASSIFY_SUBJECT_MAX	1024
#define CLASSIFY_OTHER		"other"

struct classify;

struct classify *classify_load(const char *path, struct cerr *e);
struct classify *classify_parse(const char *text, size_t n, const char *name,
				struct cerr *e);
const char *classify_match(const struct classify *c, const char *subject);
size_t	classify_subject(char *out, size_t outlen, const char *code,
			 const char *status, const char *text, size_t textlen);
int	classify_name_ok(const char *s, size_t n);
size_t	classify_count(const struct classify *c);
void	classify_free(struct classify *c);

int	classify_regcomp(regex_t *rx, const char *re, struct cerr *e);

#endif
