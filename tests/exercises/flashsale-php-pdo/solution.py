"""The reference in Python: one short transaction takes the item and writes the order; the
payment comes after COMMIT, with no row locked."""

import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pymysql


def pay(user, order):
    urllib.request.urlopen(f"http://127.0.0.1:25012/pay?user={user}&order={order}").read()


class Shop(BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        form = urllib.parse.parse_qs(self.rfile.read(length).decode())
        user = int(form["user"][0])
        product = int(form["product"][0])
        db = pymysql.connect(host="127.0.0.1", port=25010, user="shop", password="",
                             database="flash_sale")
        try:
            with db.cursor() as cursor:
                taken = cursor.execute(
                    "UPDATE products SET stock = stock - 1 WHERE id = %s AND stock > 0", (product,))
                if taken != 1:
                    db.rollback()
                    return self.answer(409, "sold out")
                cursor.execute("INSERT INTO orders (user, product, created_at)"
                               " VALUES (%s, %s, UNIX_TIMESTAMP(NOW(6)))", (user, product))
                order = cursor.lastrowid
            db.commit()
        finally:
            db.close()
        pay(user, order)
        self.answer(201, f"ordered {order}")

    def answer(self, status, text):
        body = (text + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", 25011), Shop).serve_forever()
