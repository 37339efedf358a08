-- t-bad-id: an X-Campaign-ID that is not 1-64 of A-Za-z0-9._- gets a 550
-- naming the header, and nothing is changed.  (This miltertest cannot
-- read the reply text back; milter_postfix.sh and milter_badinput.sh check
-- "550 5.7.1 invalid X-Campaign-ID header" at the SMTP client.)
-- expect-log: T4QID: reject: invalid X-Campaign-ID header
conn = mt.connect(sock, 50, 0.1)
if conn == nil then error("cannot connect to " .. sock) end
mt.macro(conn, SMFIC_MAIL, "i", "T4QID")
if mt.mailfrom(conn, "<news@sender.example>") ~= nil then error("mailfrom") end
if mt.rcptto(conn, "<a@dest.example>") ~= nil then error("rcptto") end
if mt.header(conn, "X-Campaign-ID", "spring 2026") ~= nil then error("header") end
if mt.eom(conn) ~= nil then error("eom") end
if mt.getreply(conn) ~= SMFIR_REPLYCODE then error("no SMTP reply code") end
if mt.eom_check(conn, MT_HDRADD) then error("added a header to a rejected message") end
mt.disconnect(conn)
