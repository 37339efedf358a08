-- t-no-default: no X-Campaign-ID and default_campaign empty
-- (t-no-default.conf): not campaign mail, passed untouched.
conn = mt.connect(sock, 50, 0.1)
if conn == nil then error("cannot connect to " .. sock) end
mt.macro(conn, SMFIC_MAIL, "i", "T6QID")
if mt.mailfrom(conn, "<news@sender.example>") ~= nil then error("mailfrom") end
if mt.rcptto(conn, "<a@dest.example>") ~= nil then error("rcptto") end
if mt.header(conn, "Subject", "plain") ~= nil then error("header") end
if mt.eom(conn) ~= nil then error("eom") end
if mt.getreply(conn) ~= SMFIR_ACCEPT then error("eom reply is not accept") end
if mt.eom_check(conn, MT_HDRADD) then error("tagged mail that is not campaign mail") end
mt.disconnect(conn)
