//! Every lab the workbench ships, in the order the lists show them.

use lab_core::Registry;

pub fn registry() -> Registry {
    let mut registry = Registry::new();
    lab_zmq::register(&mut registry);
    lab_sockets::register(&mut registry);
    lab_archive::register(&mut registry);
    lab_testdeps::register(&mut registry);
    lab_flashsale::register(&mut registry);
    registry
}
